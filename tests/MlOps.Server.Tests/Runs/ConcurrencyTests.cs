using Dapper;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Runs;

/// <summary>The <c>concurrency:</c> key on real pushes: which older runs a newer run supersedes.</summary>
public class ConcurrencyTests(RunServer server) : IClassFixture<RunServer>
{
    private static string WithConcurrency(string concurrency) =>
        RunServer.TwoSteps.Replace("    params:", $"    concurrency: {concurrency}\n    params:");

    private async Task<(string Repository, GitCli Git, long ProjectId)> PushedAsync(string definition)
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(definition);
        await git.OkAsync("w", "push", "-q", "origin", "main");
        var projectId = await server.ProjectIdAsync(repository);
        await server.OutcomesAsync(projectId, 1);
        return (repository, git, projectId);
    }

    private async Task MarkPrepareRunningAsync(long runId)
    {
        await using var db = await server.DbAsync();
        await db.ExecuteAsync("UPDATE jobs SET status = 'running', started_at = now() WHERE run_id = @runId AND name = 'prepare'; SELECT advance_run(@runId)",
            new { runId });
    }

    private async Task<JsonElement[]> JobsAsync(JsonElement run) =>
        (await server.GetJsonAsync($"/api/v1/runs/{run.GetProperty("id").GetInt64()}")).GetProperty("jobs").EnumerateArray().ToArray();

    [Fact]
    public async Task GitPush_TwoBranchesInOneNamedGroup_NewerSupersedesOlder()
    {
        var (repository, git, projectId) = await PushedAsync(WithConcurrency("deploy"));
        using var _ = git;

        await git.OkAsync("w", "push", "-q", "origin", "main:feature");
        await server.OutcomesAsync(projectId, 2);

        var runs = await server.RunsAsync(repository);
        Assert.Equal(["refs/heads/feature", "refs/heads/main"], runs.Select(r => r.GetProperty("ref").GetString()));
        Assert.Equal(["pending", "canceled"], runs.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["deploy", "deploy"], runs.Select(r => r.GetProperty("concurrency_group").GetString()));
        var older = await JobsAsync(runs[1]);
        Assert.All(older, j => Assert.Equal($"superseded by run {runs[0].GetProperty("id").GetInt64()}", j.GetProperty("failure_reason").GetString()));
    }

    [Fact]
    public async Task GitPush_TwoBranchesInDifferentGroups_BothKeepRunning()
    {
        var (repository, git, projectId) = await PushedAsync(WithConcurrency("\"deploy-${{ ref_name }}\""));
        using var _ = git;

        await git.OkAsync("w", "push", "-q", "origin", "main:feature");
        await server.OutcomesAsync(projectId, 2);

        var runs = await server.RunsAsync(repository);
        Assert.Equal(["pending", "pending"], runs.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["deploy-feature", "deploy-main"], runs.Select(r => r.GetProperty("concurrency_group").GetString()));
    }

    [Fact]
    public async Task GitPush_CancelRunning_AsksOlderRunsRunningJobToStop()
    {
        var (repository, git, projectId) = await PushedAsync(WithConcurrency("{ cancel_running: true }"));
        using var _ = git;
        var first = Assert.Single(await server.RunsAsync(repository));
        await MarkPrepareRunningAsync(first.GetProperty("id").GetInt64());

        await git.CommitAsync("w", "prepare.py", "print(1)\n", "second");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await server.OutcomesAsync(projectId, 2);

        var jobs = await JobsAsync(first);
        Assert.Equal(("running", true), (jobs[0].GetProperty("status").GetString(), jobs[0].GetProperty("cancel_requested").GetBoolean()));
        Assert.Equal("canceled", jobs[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task GitPush_DefaultGroup_LeavesOlderRunsRunningJobAlone()
    {
        var (repository, git, projectId) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var first = Assert.Single(await server.RunsAsync(repository));
        await MarkPrepareRunningAsync(first.GetProperty("id").GetInt64());

        await git.CommitAsync("w", "prepare.py", "print(1)\n", "second");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await server.OutcomesAsync(projectId, 2);

        var jobs = await JobsAsync(first);
        Assert.Equal(("running", false), (jobs[0].GetProperty("status").GetString(), jobs[0].GetProperty("cancel_requested").GetBoolean()));
        Assert.Equal("canceled", jobs[1].GetProperty("status").GetString());
    }
}
