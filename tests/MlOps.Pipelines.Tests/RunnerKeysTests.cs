namespace MlOps.Pipelines.Tests;

/// <summary>The step keys the runner needs: tags:, network:, retry:.</summary>
public sealed class RunnerKeysTests
{
    private const string Head = "pipelines:\n  train:\n    steps:\n      fit:\n        image: alpine\n        run: echo\n";

    [Fact]
    public async Task Compile_TagsNetworkRetry_CarriedOnTheJob()
    {
        var result = await Fixtures.Lint(Head + "        tags: [gpu, fast-disk]\n        network: bridge\n        retry: 0\n");

        Assert.True(result.Valid, string.Join("\n", result.Errors.Select(e => e.Message)));
        var job = result.Jobs.Single().Jobs.Single();
        Assert.Equal(["gpu", "fast-disk"], job.Tags);
        Assert.Equal("bridge", job.Network);
        Assert.Equal(0, job.Retry);
        Assert.Equal(["always"], job.RetryWhen);
    }

    [Fact]
    public async Task Compile_RetryMaxAndWhen_CarriedOnTheJob()
    {
        var result = await Fixtures.Lint(Head + "        retry: { max: 3, when: [script_failure, stuck_or_timeout_failure] }\n");

        Assert.True(result.Valid, string.Join("\n", result.Errors.Select(e => e.Message)));
        var job = result.Jobs.Single().Jobs.Single();
        Assert.Equal(3, job.Retry);
        Assert.Equal(["script_failure", "stuck_or_timeout_failure"], job.RetryWhen);
    }

    [Fact]
    public async Task Lint_BadRetryMapping_ReportsEachWithPosition()
    {
        var result = await Fixtures.Lint(Head + "        retry:\n          max: 7\n          when: [script_failure, oom]\n          on: x\n");

        Assert.Equal([
            "8:16: retry of step 'fit' must be a whole number from 0 to 5",
            "9:34: unknown retry reason 'oom' in step 'fit'",
            "10:11: unknown key 'on' in retry of step 'fit'",
        ], result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message}"));
    }

    [Fact]
    public async Task Compile_NoRunnerKeys_NoNetworkAndTwoRetries()
    {
        var result = await Fixtures.Lint(Head);

        var job = result.Jobs.Single().Jobs.Single();
        Assert.Empty(job.Tags);
        Assert.Equal("none", job.Network);
        Assert.Equal(2, job.Retry);
        Assert.Empty(job.RetryWhen);
    }

    [Fact]
    public async Task Lint_BadRunnerKeys_ReportsEachWithPosition()
    {
        var result = await Fixtures.Lint(Head + "        tags: [\"two words\"]\n        network: host\n        retry: 9\n");

        Assert.Equal([
            "7:16: runner tag 'two words' of step 'fit' is not valid",
            "8:18: network of step 'fit' must be none or bridge, got 'host'",
            "9:16: retry of step 'fit' must be a whole number from 0 to 5",
        ], result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message}"));
    }
}
