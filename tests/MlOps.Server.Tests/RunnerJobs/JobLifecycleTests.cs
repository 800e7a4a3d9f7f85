using System.Net;
using System.Text;
using System.Text.Json;
using MlOps.Contracts.Runner;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>A claimed job through the protocol by hand: log offsets, heartbeats, cancel, leases, the job token's reach.</summary>
public sealed class JobLifecycleTests(RunnerServer server) : IClassFixture<RunnerServer>
{
    private async Task<(JobPayload Job, string Repository, long RunnerId)> ClaimAsync(int maxAttempts = 3, IReadOnlyList<string>? secrets = null)
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        await server.SeedRunAsync(repository, [RunnerServer.InlineJob("step", "true", secrets: secrets)], tags: [tag], maxAttempts: maxAttempts);
        var (runnerId, token) = await server.RegisterRunnerAsync();
        var job = await server.RequestJobAsync(token, RunnerServer.Capacity(tags: [tag]));
        return (job!, repository, runnerId);
    }

    private static async Task<HttpResponseMessage> AppendAsync(HttpClient http, long jobId, long offset, string text) =>
        await http.PatchAsync($"/api/v1/runner/jobs/{jobId}/log?offset={offset}", new StringContent(text, Encoding.UTF8, "text/plain"));

    [Fact]
    public async Task AppendLog_WrongOffset_RefusedWithCurrentSizeAndNothingWritten()
    {
        var (job, repository, _) = await ClaimAsync();
        using var http = server.WithJobToken(job.JobToken);

        var first = await AppendAsync(http, job.Id, 0, "line 1\n");
        var retried = await AppendAsync(http, job.Id, 0, "line 1\n");
        var second = await AppendAsync(http, job.Id, 7, "line 2\n");
        var reporter = server.Http(RunnerServerUsers.Reporter);
        var log = await reporter.GetStringAsync($"/api/v1/jobs/{job.Id}/log");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, retried.StatusCode);
        var problem = await MlOpsServer.Read(retried);
        Assert.Equal(7, problem.GetProperty("size").GetInt64());
        Assert.Equal($"The log of job {job.Id} is 7 bytes long, not 0: append from 7.", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal("line 1\nline 2\n", log);
        Assert.Equal("line 2\n", await reporter.GetStringAsync($"/api/v1/jobs/{job.Id}/log?offset=7"));
        _ = repository;
    }

    [Fact]
    public async Task JobLog_ProjectInvisibleToCaller_NotFoundLikeAMissingJob()
    {
        var (job, _, _) = await ClaimAsync();
        using var outsider = server.Http(RunnerServerUsers.Outsider);

        var hidden = await outsider.GetAsync($"/api/v1/jobs/{job.Id}/log");
        var missing = await outsider.GetAsync("/api/v1/jobs/987654321/log");

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal($"Job {job.Id} not found.", (await MlOpsServer.Read(hidden)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task JobToken_AnotherJobsCalls_Forbidden_AndRestOfApiRefused()
    {
        var (job, repository, _) = await ClaimAsync();
        using var http = server.WithJobToken(job.JobToken);

        var other = await AppendAsync(http, job.Id + 100000, 0, "x");
        var api = await http.GetAsync(RunnerServer.Api(repository));

        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
        Assert.Contains("A job token may only be used", await api.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Heartbeat_CancelRequested_AnswersCanceledAndEndIsRecordedCanceled()
    {
        var (job, _, _) = await ClaimAsync();
        using var http = server.WithJobToken(job.JobToken);
        var usage = new JobUsageReport(1.5, 0.7, 1 << 20, 0.001, 0, 0, 0, 0, 0);

        var before = await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}", new JobUpdate(JobStates.Running, Usage: usage), MlOpsServer.Json);
        await server.ExecuteAsync("UPDATE jobs SET cancel_requested = true WHERE id = @id", new { id = job.Id });
        var after = await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}", new JobUpdate(JobStates.Running), MlOpsServer.Json);
        var end = await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}",
            new JobUpdate(JobStates.Failed, FailureReason: "The job was canceled.", Usage: usage with { WallSeconds = 2 }), MlOpsServer.Json);
        var late = await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}", new JobUpdate(JobStates.Running), MlOpsServer.Json);

        Assert.Equal("running", (await MlOpsServer.Ensure(before)).GetProperty("status").GetString());
        Assert.Equal("canceled", (await MlOpsServer.Ensure(after)).GetProperty("status").GetString());
        Assert.Equal("canceled", (await MlOpsServer.Ensure(end)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, late.StatusCode);
        var usageRow = await server.QueryAsync<(double Wall, double Cpu, bool Final)>(
            "SELECT wall_seconds, cpu_core_seconds, final FROM job_usage WHERE job_id = @id AND attempt = 1", new { id = job.Id });
        Assert.Equal((2.0, 0.7, true), usageRow);
    }

    [Fact]
    public async Task LeaseLapses_JobRetriedWithNextAttempt_UsageOfFirstKept_OldTokenDead()
    {
        var (job, _, _) = await ClaimAsync(maxAttempts: 2);
        using var http = server.WithJobToken(job.JobToken);
        await MlOpsServer.Ensure(await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}",
            new JobUpdate(JobStates.Running, Usage: new JobUsageReport(1, 0.5, 100, 0, 0, 0, 0, 0, 0)), MlOpsServer.Json));

        // The runner goes silent; the 3 s lease lapses and the reaper queues the job again.
        var status = await server.WaitForJobAsync(job.Id, TimeSpan.FromSeconds(30), "pending");
        var stale = await http.PutAsJsonAsync($"/api/v1/runner/jobs/{job.Id}", new JobUpdate(JobStates.Success), MlOpsServer.Json);
        var (_, token2) = await server.RegisterRunnerAsync();
        var tags = await server.QueryAsync<string[]>("SELECT tags FROM jobs WHERE id = @id", new { id = job.Id });
        var retry = await server.RequestJobAsync(token2, RunnerServer.Capacity(tags: tags));

        Assert.Equal("pending", status);
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
        Assert.Equal(job.Id, retry?.Id);
        Assert.Equal(2, retry!.Attempt);
        var first = await server.QueryAsync<(double Cpu, bool Final)>(
            "SELECT cpu_core_seconds, final FROM job_usage WHERE job_id = @id AND attempt = 1", new { id = job.Id });
        Assert.Equal((0.5, true), first);

        // The second attempt lapses too: no attempts left, the job fails and says why.
        var final = await server.WaitForJobAsync(job.Id, TimeSpan.FromSeconds(30), "failed");
        Assert.Equal("failed", final);
        Assert.Equal("The runner stopped reporting (lease lapsed) on attempt 2 of 2.",
            await server.QueryAsync<string>("SELECT failure_reason FROM jobs WHERE id = @id", new { id = job.Id }));
    }

    [Fact]
    public async Task Artifact_ChecksumMismatch_RefusedAndNothingStored()
    {
        var (job, _, _) = await ClaimAsync();
        using var http = server.WithJobToken(job.JobToken);
        using var content = new ByteArrayContent("model bytes"u8.ToArray());
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/runner/jobs/{job.Id}/artifacts/model") { Content = content };
        request.Headers.Add(JobHeaders.Sha256, new string('0', 64));

        var response = await http.SendAsync(request);

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Contains("the upload was damaged", body);
        Assert.Equal(0, await server.QueryAsync<int>("SELECT count(*)::int FROM job_artifacts WHERE job_id = @id", new { id = job.Id }));
    }
}

internal static class RunnerServerUsers
{
    public const string Reporter = Git.GitServer.Reporter;
    public const string Outsider = Git.GitServer.Outsider;
}
