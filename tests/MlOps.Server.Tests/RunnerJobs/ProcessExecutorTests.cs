using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using MlOps.Pipelines.Compilation;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>The real runner process with the process executor, end to end through the protocol.</summary>
public sealed partial class ProcessExecutorTests(RunnerServer server) : IClassFixture<RunnerServer>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    private static string NewTag() => "t" + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> LogAsync(long jobId)
    {
        using var admin = server.Admin();
        return await admin.GetStringAsync($"/api/v1/jobs/{jobId}/log");
    }

    private async Task<string> FailureAsync(long jobId) =>
        await server.QueryAsync<string?>("SELECT failure_reason FROM jobs WHERE id = @jobId", new { jobId }) ?? "";

    [Fact]
    public async Task Job_ManyLinesOnBothStreams_LogArrivesWholeAndInOrder()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("count", "i=1; while [ $i -le 3000 ]; do echo \"line $i\"; i=$((i+1)); done; echo done >&2")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["count"], Within, "success", "failed");

        Assert.True(status == "success", runner.Output + await FailureAsync(jobs["count"]));
        var lines = (await LogAsync(jobs["count"])).Split('\n').Where(l => l.StartsWith("line ", StringComparison.Ordinal)).ToList();
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"line {i}"), lines);
        Assert.Contains("done\n", await LogAsync(jobs["count"]));
    }

    [Fact]
    public async Task TwoSteps_OutputOfFirst_StagedForSecondWithTheSameChecksum()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var write = RunnerServer.InlineJob("make", "mkdir -p out/dir && head -c 300000 /dev/urandom > out/data.bin && echo a > out/dir/x.txt",
            outputs: [new JobOutput("data", "file", "out/data.bin"), new JobOutput("folder", "folder", "out/dir")]);
        var read = RunnerServer.InlineJob("use", "sha256sum out/data.bin && cat out/dir/x.txt", needs: ["make"],
            inputs: [new JobInput("data", InputKinds.Step, null, null, null, "make", "data", "out/data.bin", "job:x")]);
        var (runId, jobs) = await server.SeedRunAsync(repository, [write, read], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["use"], Within, "success", "failed", "skipped");

        Assert.True(status == "success", runner.Output + await FailureAsync(jobs["make"]) + await FailureAsync(jobs["use"]));
        using var reporter = server.Http(GitServer.Reporter);
        var artifacts = await MlOpsServer.Ensure(await reporter.GetAsync($"/api/v1/jobs/{jobs["make"]}/artifacts"));
        var data = artifacts.EnumerateArray().Single(a => a.GetProperty("name").GetString() == "data");
        var sha = data.GetProperty("sha256").GetString()!;
        Assert.Equal(300000, data.GetProperty("size_bytes").GetInt64());
        Assert.Contains($"{sha}  out/data.bin", await LogAsync(jobs["use"]));
        Assert.Contains("a\n", await LogAsync(jobs["use"]));
        var download = await reporter.GetAsync($"/api/v1/jobs/{jobs["make"]}/artifacts/data");
        Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await download.Content.ReadAsByteArrayAsync())));
        var usage = await MlOpsServer.Ensure(await reporter.GetAsync($"/api/v1/runs/{runId}/usage"));
        Assert.True(usage.GetProperty("total").GetProperty("artifact_bytes").GetInt64() >= 300000);
    }

    [Fact]
    public async Task Job_PassesItsTimeout_StoppedAndFailedSayingSo()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("slow", "echo started; sleep 300", timeoutSeconds: 2)], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["slow"], Within, "success", "failed");

        Assert.Equal("failed", status);
        Assert.Equal("The job passed its timeout of 2 s and was stopped.", await FailureAsync(jobs["slow"]));
        Assert.Contains("started", await LogAsync(jobs["slow"]));
    }

    [Fact]
    public async Task Job_Canceled_StoppedAndRecordedCanceled()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("long", "echo started; sleep 300")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");
        Assert.Equal("running", await server.WaitForJobAsync(jobs["long"], Within, "running"));

        await server.ExecuteAsync("UPDATE jobs SET cancel_requested = true WHERE id = @id", new { id = jobs["long"] });
        var status = await server.WaitForJobAsync(jobs["long"], Within, "canceled", "failed", "success");

        Assert.Equal("canceled", status);
        Assert.Equal("The job was canceled.", await FailureAsync(jobs["long"]));
    }

    [Fact]
    public async Task Job_NamesASecret_GetsItButTheLogShowsMasked()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        const string value = "s3cr3t-value-never-in-logs";
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);
        await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync($"{RunnerServer.Api(repository)}/secrets/API_TOKEN", new { value }));
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("leak", "echo \"token=$API_TOKEN\"; echo \"$API_TOKEN\" | wc -c", secrets: ["API_TOKEN"])], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["leak"], Within, "success", "failed");
        var log = await LogAsync(jobs["leak"]);
        var stored = await File.ReadAllTextAsync(Path.Combine(server.DataDir, "job-logs", (jobs["leak"] % 1000).ToString("D3"), $"{jobs["leak"]}.log"));
        var listed = await MlOpsServer.Ensure(await maintainer.GetAsync($"{RunnerServer.Api(repository)}/secrets"));

        Assert.Equal("success", status);
        Assert.Contains("token=[MASKED]", log);
        Assert.Contains((value.Length + 1).ToString(CultureInfo.InvariantCulture), log);
        Assert.DoesNotContain(value, log);
        Assert.DoesNotContain(value, stored);
        Assert.DoesNotContain(value, listed.ToString());
        Assert.Equal("API_TOKEN", listed[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Job_BurnsCpu_AccountedWithinFivePercentOfWhatItMeasuredItself()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        // The shell's `times` prints the CPU of the shell and of its finished children, measured by the kernel for the job itself.
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("burn", "(i=0; while [ $i -lt 1500000 ]; do i=$((i+1)); done); times")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["burn"], Within, "success", "failed");

        Assert.True(status == "success", runner.Output);
        var measured = Times().Matches(await LogAsync(jobs["burn"]))
            .Sum(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 60 + double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
        var accounted = await server.QueryAsync<double>("SELECT cpu_core_seconds FROM job_usage WHERE job_id = @id AND final", new { id = jobs["burn"] });
        Assert.True(measured > 0.5, $"the job burned only {measured} s: {await LogAsync(jobs["burn"])}");
        Assert.InRange(accounted, measured * 0.95, measured * 1.05);
    }

    [Fact]
    public async Task Job_AllowedNetworkSendsPackets_BytesCounted_JobWithoutNetwork_None()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        // 200 datagrams of 1,000 bytes to a documentation address (RFC 5737): they leave by the default route, nobody answers.
        const string send = "python3 -c \"import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); " +
            "[s.sendto(b'x' * 1000, ('198.51.100.1', 9)) for _ in range(200)]\"";
        var (_, talking) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("talk", send)], tags: [tag], network: "bridge");
        var (_, quieting) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("quiet", "echo quiet")], tags: [tag]);
        var jobs = new Dictionary<string, long> { ["talk"] = talking["talk"], ["quiet"] = quieting["quiet"] };
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process",
            new Dictionary<string, string> { ["MLOPS_RUNNER_ALLOW_NETWORK"] = "true" });

        var talk = await server.WaitForJobAsync(jobs["talk"], Within, "success", "failed");
        var quiet = await server.WaitForJobAsync(jobs["quiet"], Within, "success", "failed");

        Assert.True(talk == "success" && quiet == "success", runner.Output + await LogAsync(jobs["talk"]));
        const string Bytes = "SELECT network_tx_bytes FROM job_usage WHERE job_id = @id AND final";
        Assert.True(await server.QueryAsync<long>(Bytes, new { id = jobs["talk"] }) >= 200_000);
        Assert.Equal(0, await server.QueryAsync<long>(Bytes, new { id = jobs["quiet"] }));
        Assert.Equal(0, await server.QueryAsync<long>("SELECT network_rx_bytes FROM job_usage WHERE job_id = @id AND final", new { id = jobs["quiet"] }));
    }

    [Fact]
    public async Task Runner_KilledMidJob_JobRetriedByAnotherRunnerAfterTheLease()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        var (_, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("survivor", "echo attempt; sleep 4; echo finished")], tags: [tag]);
        await using var first = new RunnerProcess(server.BaseAddress, tag, "process");
        Assert.Equal("running", await server.WaitForJobAsync(jobs["survivor"], Within, "running"));
        var firstRunner = await server.QueryAsync<long>("SELECT runner_id FROM jobs WHERE id = @id", new { id = jobs["survivor"] });

        first.KillHard();
        await using var second = new RunnerProcess(server.BaseAddress, tag, "process");
        var status = await server.WaitForJobAsync(jobs["survivor"], Within, "success", "failed");

        Assert.True(status == "success", second.Output + await FailureAsync(jobs["survivor"]));
        var row = await server.QueryAsync<(int Attempt, long RunnerId)>("SELECT attempt, runner_id FROM jobs WHERE id = @id", new { id = jobs["survivor"] });
        Assert.Equal(2, row.Attempt);
        Assert.NotEqual(firstRunner, row.RunnerId);
        Assert.Contains("Attempt 2 of job survivor", await LogAsync(jobs["survivor"]));
        Assert.Equal(2, await server.QueryAsync<int>("SELECT count(*)::int FROM job_usage WHERE job_id = @id AND final", new { id = jobs["survivor"] }));
    }

    [Fact]
    public async Task Job_WithCheckout_SeesTheRepositoryAtTheRunsCommit()
    {
        var repository = await server.ArrangeAsync();
        var tag = NewTag();
        using var git = new GitCli();
        await git.InitAsync("w", "first version\n");
        var sha = await git.CommitAsync("w", "data/iris.csv", "a,b\n1,2\n", "data");
        await git.OkAsync("w", "push", "-q", server.AdminUrl(repository), "HEAD:main");
        await git.CommitAsync("w", "data/iris.csv", "changed later\n", "later");
        await git.OkAsync("w", "push", "-q", server.AdminUrl(repository), "HEAD:main");
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("read", "cat README.md data/iris.csv && test ! -e .git/config -o -z \"$(grep -i authorization .git/config)\"", checkout: true)],
            commitSha: sha, tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        var status = await server.WaitForJobAsync(jobs["read"], Within, "success", "failed");

        var log = await LogAsync(jobs["read"]);
        Assert.True(status == "success", log + await FailureAsync(jobs["read"]));
        Assert.Contains("first version\na,b\n1,2\n", log);
        Assert.DoesNotContain("changed later", log);
    }

    [GeneratedRegex(@"(\d+)m([\d.]+)s")]
    private static partial Regex Times();
}
