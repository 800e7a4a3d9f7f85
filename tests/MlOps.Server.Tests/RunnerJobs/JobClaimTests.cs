using System.Net;
using MlOps.Contracts.Runner;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>The job request: long poll, claim, matching on tags and GPUs, never two runners on one job.</summary>
public sealed class JobClaimTests(RunnerServer server) : IClassFixture<RunnerServer>
{
    [Fact]
    public async Task Request_PendingJob_ClaimedWithTokenSpecAndLease()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (runId, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("fit", "echo hi")], tags: [tag]);
        var (runnerId, token) = await server.RegisterRunnerAsync();

        var job = await server.RequestJobAsync(token, RunnerServer.Capacity(tags: [tag]));

        Assert.NotNull(job);
        Assert.Equal(jobs["fit"], job.Id);
        Assert.Equal(runId, job.RunId);
        Assert.StartsWith("mljt-", job.JobToken);
        Assert.Equal(["/bin/sh", "-c", "echo hi"], job.Spec.Argv);
        Assert.Equal("none", job.Spec.Network);
        Assert.EndsWith($"/{repository}.git", job.RepositoryUrl);
        var row = await server.QueryAsync<(string Status, long RunnerId, bool Leased, string RunStatus)>(
            "SELECT j.status, j.runner_id, j.lease_expires_at > now(), r.status FROM jobs j JOIN runs r ON r.id = j.run_id WHERE j.id = @id",
            new { id = job.Id });
        Assert.Equal(("running", runnerId, true, "running"), row);
    }

    [Fact]
    public async Task Request_NothingMatches_NoContentAfterTheLongPoll()
    {
        var (_, token) = await server.RegisterRunnerAsync();

        var job = await server.RequestJobAsync(token, RunnerServer.Capacity(tags: ["no-job-has-this-tag-" + Guid.NewGuid()]));

        Assert.Null(job);
    }

    [Fact]
    public async Task Request_JobQueuedWhileWaiting_AnswersWithIt()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (_, token) = await server.RegisterRunnerAsync();

        var waiting = server.RequestJobAsync(token, RunnerServer.Capacity(tags: [tag]));
        await Task.Delay(300);
        var (_, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("late", "true")], tags: [tag]);

        Assert.Equal(jobs["late"], (await waiting)?.Id);
    }

    [Fact]
    public async Task Request_RunnerLacksATag_JobStaysPending()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (_, jobs) = await server.SeedRunAsync(repository, [RunnerServer.InlineJob("tagged", "true")], tags: [tag, "gpu"]);
        var (_, token) = await server.RegisterRunnerAsync();

        var job = await server.RequestJobAsync(token, RunnerServer.Capacity(tags: [tag]));

        Assert.True(job is null || job.Id != jobs["tagged"]);
        Assert.Equal("pending", await server.QueryAsync<string>("SELECT status FROM jobs WHERE id = @id", new { id = jobs["tagged"] }));
    }

    [Fact]
    public async Task Request_ManyRunnersAtOnce_EveryJobClaimedExactlyOnce()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (_, jobs) = await server.SeedRunAsync(repository,
            Enumerable.Range(0, 24).Select(i => RunnerServer.InlineJob($"j{i}", "true")).ToList(), tags: [tag]);
        var runners = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => server.RegisterRunnerAsync()));

        // Each runner has room for many jobs and keeps asking until one answer is empty.
        var claimed = await Task.WhenAll(runners.Select(async r =>
        {
            var mine = new List<long>();
            while (await server.RequestJobAsync(r.Token, RunnerServer.Capacity(concurrency: 100, tags: [tag])) is { } job)
            {
                mine.Add(job.Id);
            }
            return mine;
        }));

        var all = claimed.SelectMany(c => c).ToList();
        Assert.Equal(jobs.Values.Order(), all.Order());
        Assert.Equal(all.Count, all.Distinct().Count());
    }

    [Fact]
    public async Task Request_GpuJob_GetsAFreeGpuOfTheModelAndNoOtherJobShares_It()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("a", "true", gpus: 1, gpuModel: "h100"), RunnerServer.InlineJob("b", "true", gpus: 1, gpuModel: "h100"),
             RunnerServer.InlineJob("c", "true", gpus: 1, gpuModel: "h100")], tags: [tag]);
        var (_, token) = await server.RegisterRunnerAsync();
        GpuDevice[] gpus = [new(0, "GPU-aaaa", "NVIDIA H100 80GB HBM3", 81559), new(1, "GPU-bbbb", "NVIDIA L40S", 46068),
            new(2, "GPU-cccc", "NVIDIA H100 80GB HBM3", 81559)];
        var capacity = RunnerServer.Capacity(concurrency: 10, tags: [tag], gpus: gpus);

        var first = await server.RequestJobAsync(token, capacity);
        var second = await server.RequestJobAsync(token, capacity);
        var third = await server.RequestJobAsync(token, capacity);

        Assert.Equal(["GPU-aaaa"], first!.GpuUuids);
        Assert.Equal(["GPU-cccc"], second!.GpuUuids);
        Assert.Null(third);
        Assert.Equal("pending", await server.QueryAsync<string>("SELECT status FROM jobs WHERE id = @id", new { id = jobs["c"] }));
    }

    [Theory]
    [InlineData("h100", "NVIDIA H100 80GB HBM3", true)]
    [InlineData("H100", "NVIDIA H100 PCIe", true)]
    [InlineData("h200", "NVIDIA H100 80GB HBM3", false)]
    [InlineData("rtx-4080", "NVIDIA GeForce RTX 4080 SUPER", true)]
    [InlineData("l40s", "NVIDIA L40S", true)]
    [InlineData("h100", "NVIDIA H100 80GB HBM3 MIG 1g.10gb", false)]
    [InlineData("h100 mig 1g.10gb", "NVIDIA H100 80GB HBM3 MIG 1g.10gb", true)]
    [InlineData("h100-mig-3g.40gb", "NVIDIA H100 80GB HBM3 MIG 1g.10gb", false)]
    [InlineData(null, "NVIDIA H200", true)]
    public async Task GpuModelMatches_NvidiaSmiNames_FollowTheDocumentedRule(string? model, string device, bool expected)
    {
        Assert.Equal(expected, await server.QueryAsync<bool>("SELECT gpu_model_matches(@model, @device)", new { model, device }));
    }

    [Fact]
    public async Task Request_UnknownRunnerToken_Forbidden()
    {
        using var http = server.Anonymous();

        var response = await http.PostAsJsonAsync("/api/v1/runner/jobs/request",
            new JobRequest("mlrt-not-a-token", RunnerServer.Capacity()), MlOpsServer.Json);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("Unknown runner token", await response.Content.ReadAsStringAsync());
    }
}
