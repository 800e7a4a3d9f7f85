using System.Globalization;
using System.Text.RegularExpressions;
using MlOps.Pipelines.Compilation;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>The real runner with the Docker executor on the real engine (scripts/test.sh starts one), busybox image built locally.</summary>
public sealed partial class DockerExecutorTests(RunnerServer server) : IClassFixture<RunnerServer>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(120);

    public Task InitializeAsync() => DockerImages.EnsureBusyboxAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string NewTag() => "t" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> LogAsync(long jobId)
    {
        using var admin = server.Admin();
        return await admin.GetStringAsync($"/api/v1/jobs/{jobId}/log");
    }

    private async Task<string> FailureAsync(long jobId) =>
        await server.QueryAsync<string?>("SELECT failure_reason FROM jobs WHERE id = @jobId", new { jobId }) ?? "";

    private static async Task<string> ContainersOfAsync(RunnerProcess runner) =>
        (await DockerImages.OutputAsync("docker", "ps", "-aq", "--filter", $"label=io.mlops.runner={runner.Name}")).Trim();

    [Fact]
    public async Task Job_InContainer_LogWholeAndInOrder_NoNetwork_ContainerRemoved()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("count", "i=1; while [ $i -le 2000 ]; do echo \"line $i\"; i=$((i+1)); done; ls /sys/class/net; pwd")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");

        var status = await server.WaitForJobAsync(jobs["count"], Within, "success", "failed");

        var log = await LogAsync(jobs["count"]);
        Assert.True(status == "success", runner.Output + log + await FailureAsync(jobs["count"]));
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => $"line {i}"), log.Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)));
        Assert.Contains("\nlo\n/workspace\n", log);
        Assert.Equal("", await ContainersOfAsync(runner));
    }

    [Fact]
    public async Task TwoSteps_InContainers_ArtifactRoundTripsWithItsChecksum()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var make = RunnerServer.InlineJob("make", "mkdir -p out && head -c 200000 /dev/urandom > out/model.bin",
            outputs: [new JobOutput("model", "model", "out/model.bin")]);
        var use = RunnerServer.InlineJob("use", "sha256sum out/model.bin", needs: ["make"],
            inputs: [new JobInput("model", InputKinds.Step, null, null, null, "make", "model", "out/model.bin", "job:x")]);
        var (_, jobs) = await server.SeedRunAsync(repository, [make, use], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");

        var status = await server.WaitForJobAsync(jobs["use"], Within, "success", "failed", "skipped");

        Assert.True(status == "success", runner.Output + await FailureAsync(jobs["make"]) + await FailureAsync(jobs["use"]));
        var sha = await server.QueryAsync<string>("SELECT sha256 FROM job_artifacts WHERE job_id = @id AND name = 'model'", new { id = jobs["make"] });
        Assert.Contains($"{sha}  out/model.bin", await LogAsync(jobs["use"]));
    }

    [Fact]
    public async Task Job_Timeout_And_Cancel_StopTheContainer()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("slow", "echo started; sleep 300", timeoutSeconds: 2), RunnerServer.InlineJob("long", "echo started; sleep 300")],
            tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker", new Dictionary<string, string> { ["MLOPS_RUNNER_CONCURRENCY"] = "2" });
        Assert.Equal("running", await server.WaitForJobAsync(jobs["long"], Within, "running"));

        await server.ExecuteAsync("UPDATE jobs SET cancel_requested = true WHERE id = @id", new { id = jobs["long"] });
        var timedOut = await server.WaitForJobAsync(jobs["slow"], Within, "failed", "success");
        var canceled = await server.WaitForJobAsync(jobs["long"], Within, "canceled", "failed", "success");

        Assert.Equal("failed", timedOut);
        Assert.Equal("The job passed its timeout of 2 s and was stopped.", await FailureAsync(jobs["slow"]));
        Assert.Equal("canceled", canceled);
        Assert.Equal("", await ContainersOfAsync(runner));
    }

    [Fact]
    public async Task Job_BurnsCpuInContainer_AccountedWithinFivePercent_SecretMasked()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        const string value = "docker-secret-value-9876";
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);
        await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync($"{RunnerServer.Api(repository)}/secrets/DB_PASSWORD", new { value }));
        // `times` in the job prints the kernel's own count of its CPU; the last second idles so the last sample sees all of it.
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("burn", "echo \"pw=$DB_PASSWORD\"; (i=0; while [ $i -lt 1500000 ]; do i=$((i+1)); done); times; sleep 1",
                secrets: ["DB_PASSWORD"])], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");

        var status = await server.WaitForJobAsync(jobs["burn"], Within, "success", "failed");

        var log = await LogAsync(jobs["burn"]);
        Assert.True(status == "success", runner.Output + log);
        Assert.Contains("pw=[MASKED]", log);
        Assert.DoesNotContain(value, log);
        var measured = Times().Matches(log).Sum(m =>
            double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var accounted = await server.QueryAsync<double>("SELECT cpu_core_seconds FROM job_usage WHERE job_id = @id AND final", new { id = jobs["burn"] });
        Assert.True(measured > 0.5, $"the job burned only {measured} s: {log}");
        Assert.InRange(accounted, measured * 0.95, measured * 1.05);
    }

    [Fact]
    public async Task Runner_Restarted_RemovesContainersItLeft()
    {
        var tag = NewTag();
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");
        // What a crash leaves: a container labelled with this runner's name.
        var leftover = (await DockerImages.OutputAsync("docker", "create", "--label", "io.mlops.managed=true", "--label",
            $"io.mlops.runner={runner.Name}", "--label", "io.mlops.job-id=1", DockerImages.Busybox, "sleep", "1")).Trim();
        Assert.NotEqual("", leftover);
        await runner.TerminateAsync(TimeSpan.FromSeconds(60));

        await using var restarted = new RunnerProcess(server.BaseAddress, tag, "docker", new Dictionary<string, string>
        {
            ["MLOPS_RUNNER_NAME"] = runner.Name,
        });
        var deadline = DateTime.UtcNow + Within;
        while (await ContainersOfAsync(runner) != "" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Equal("", await ContainersOfAsync(runner));
    }

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex Times();
}
