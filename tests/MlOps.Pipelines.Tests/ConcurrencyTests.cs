using MlOps.Pipelines.Compilation;

namespace MlOps.Pipelines.Tests;

public class ConcurrencyTests
{
    private static string Pipeline(string concurrency) => $$"""
        pipelines:
          train:
            concurrency: {{concurrency}}
            steps:
              fit: { image: python:3.12, run: python3 fit.py }
        """;

    private const string NoKey = """
        pipelines:
          train:
            steps:
              fit: { image: python:3.12, run: python3 fit.py }
        """;

    private static async Task<string[]> Errors(string yaml)
    {
        var result = await Fixtures.Lint(yaml);
        Assert.False(result.Valid);
        return result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message}").ToArray();
    }

    [Fact]
    public async Task Compile_NoConcurrencyKey_DefaultGroupIsPipelineAndRef()
    {
        var graph = Assert.Single((await Fixtures.Lint(NoKey)).Jobs);

        Assert.Equal(new RunConcurrency("train@refs/heads/main", false, false), graph.Concurrency);
    }

    [Fact]
    public async Task Compile_GroupShorthand_FillsPlaceholdersAndJoinsEveryTrigger()
    {
        var graph = Assert.Single((await Fixtures.Lint(Pipeline("\"deploy-${{ ref_name }}/${{pipeline}}\""))).Jobs);

        Assert.Equal(new RunConcurrency("deploy-main/train", false, true), graph.Concurrency);
    }

    [Fact]
    public async Task Compile_MappingWithCancelRunning_KeepsBothFields()
    {
        var graph = Assert.Single((await Fixtures.Lint(Pipeline("{ group: gpu-box, cancel_running: true }"))).Jobs);

        Assert.Equal(new RunConcurrency("gpu-box", true, true), graph.Concurrency);
    }

    [Fact]
    public async Task Compile_CancelRunningWithoutGroup_KeepsDefaultGroup()
    {
        var graph = Assert.Single((await Fixtures.Lint(Pipeline("{ cancel_running: true }"))).Jobs);

        Assert.Equal(new RunConcurrency("train@refs/heads/main", true, false), graph.Concurrency);
    }

    [Theory]
    [InlineData("{ cancel_running: yes }", "3:36: cancel_running of concurrency of pipeline 'train' must be true or false, got 'yes'")]
    [InlineData("{ group: deploy, cancel: true }", "3:35: unknown key 'cancel' in concurrency of pipeline 'train'")]
    [InlineData("{ group: [a, b] }", "3:27: group of concurrency of pipeline 'train' must be a string, got a list")]
    [InlineData("\"  \"", "3:18: the group of concurrency of pipeline 'train' is empty")]
    [InlineData("[a]", "3:18: concurrency of pipeline 'train' must be a group name or a mapping, got a list")]
    [InlineData("{}", "3:18: concurrency of pipeline 'train' is empty")]
    [InlineData("\"deploy-${{ params.env }}\"", "3:18: unknown placeholder '${{ params.env }}' in the group of concurrency of pipeline 'train'")]
    [InlineData("\"deploy-${{ ref\"", "3:18: unclosed placeholder in the group of concurrency of pipeline 'train'")]
    public async Task Lint_BadConcurrency_ReportsLineAndColumn(string concurrency, string expected)
    {
        Assert.Equal([expected], await Errors(Pipeline(concurrency)));
    }

    [Fact]
    public async Task Lint_GroupOverLimit_RefusedWithLength()
    {
        Assert.Equal(["3:18: the group of concurrency of pipeline 'train' is 201 characters long; the limit is 200"],
            await Errors(Pipeline(new string('g', 201))));
    }
}
