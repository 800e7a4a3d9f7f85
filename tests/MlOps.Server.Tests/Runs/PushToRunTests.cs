using Dapper;

namespace MlOps.Server.Tests.Runs;

public class PushToRunTests(RunServer server) : IClassFixture<RunServer>
{
    [Fact]
    public async Task GitPush_MatchingPipeline_CreatesRunWithItsJobs()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(RunServer.TwoSteps);
        using var _ = git;
        var sha = await git.OkAsync("w", "rev-parse", "HEAD");

        await git.OkAsync("w", "push", "-q", "origin", "main");

        Assert.StartsWith("runs: ", Assert.Single(await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1)));
        var run = Assert.Single(await server.RunsAsync(repository));
        Assert.Equal("train", run.GetProperty("pipeline").GetString());
        Assert.Equal("push", run.GetProperty("trigger").GetString());
        Assert.Equal("refs/heads/main", run.GetProperty("ref").GetString());
        Assert.Equal(sha, run.GetProperty("commit_sha").GetString());
        Assert.Equal("pending", run.GetProperty("status").GetString());
        Assert.Equal(RunServer.Maintainer, run.GetProperty("triggered_by_name").GetString());
        Assert.Equal(3, run.GetProperty("params").GetProperty("epochs").GetInt32());

        var detail = await server.GetJsonAsync($"/api/v1/runs/{run.GetProperty("id").GetInt64()}");
        var jobs = detail.GetProperty("jobs").EnumerateArray().ToArray();
        Assert.Equal(["prepare", "fit"], jobs.Select(j => j.GetProperty("name").GetString()));
        Assert.Equal(["pending", "created"], jobs.Select(j => j.GetProperty("status").GetString()));
        Assert.Equal(1, jobs[1].GetProperty("gpus").GetInt32());
        Assert.Equal(1800, jobs[1].GetProperty("timeout_seconds").GetInt32());
        Assert.Equal(4L << 30, jobs[1].GetProperty("memory_bytes").GetInt64());

        var job = await server.GetJsonAsync($"/api/v1/jobs/{jobs[1].GetProperty("id").GetInt64()}");
        Assert.Equal("python:3.12-slim", job.GetProperty("spec").GetProperty("image").GetString());
        Assert.Equal(["prepare"], job.GetProperty("needs").EnumerateArray().Select(n => n.GetString()));
    }

    [Fact]
    public async Task GitPush_SkipCiInMessage_CreatesNothing()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(RunServer.TwoSteps, "add pipeline [skip ci]");
        using var _ = git;

        await git.OkAsync("w", "push", "-q", "origin", "main");

        Assert.Equal(["skip_ci"], await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1));
        Assert.Empty(await server.RunsAsync(repository));
    }

    [Fact]
    public async Task GitPush_DeletedBranch_CreatesNothing()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(RunServer.TwoSteps);
        using var _ = git;
        await git.OkAsync("w", "push", "-q", "origin", "main", "main:feature");
        var projectId = await server.ProjectIdAsync(repository);
        await server.OutcomesAsync(projectId, 2);

        await git.OkAsync("w", "push", "-q", "origin", ":feature");

        Assert.Equal("deleted_ref", (await server.OutcomesAsync(projectId, 3))[2]);
        Assert.Equal(2, (await server.RunsAsync(repository)).Length);
    }

    [Fact]
    public async Task GitPush_NoDefinition_CreatesNothing()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(null);
        using var _ = git;

        await git.OkAsync("w", "push", "-q", "origin", "main");

        Assert.Equal(["no_definition"], await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1));
        Assert.Empty(await server.RunsAsync(repository));
    }

    [Fact]
    public async Task GitPush_BrokenDefinition_CreatesFailedRunQuotingTheError()
    {
        var broken = """
            pipelines:
              train:
                stepz: {}
            """;
        var (repository, git) = await server.CloneWithDefinitionAsync(broken);
        using var _ = git;

        await git.OkAsync("w", "push", "-q", "origin", "main");

        Assert.Equal(["failed_definition"], await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1));
        var run = Assert.Single(await server.RunsAsync(repository));
        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("pipeline").ValueKind);
        var error = run.GetProperty("error");
        Assert.Contains("mlops.yml:3:5: unknown key 'stepz' in pipeline 'train'", error.GetProperty("message").GetString());
        var unknownKey = error.GetProperty("errors").EnumerateArray().Single(e => e.GetProperty("message").GetString()!.StartsWith("unknown key"));
        Assert.Equal(("mlops.yml", 3, 5), (unknownKey.GetProperty("file").GetString(), unknownKey.GetProperty("line").GetInt32(),
            unknownKey.GetProperty("column").GetInt32()));
    }

    [Fact]
    public async Task GitPush_PathsFilterNotMatched_CreatesNothing()
    {
        var filtered = RunServer.TwoSteps.Replace("push: { branches: [\"*\"] }", "push: { branches: [main], paths: [\"data/**\"] }");
        var (repository, git) = await server.CloneWithDefinitionAsync(filtered);
        using var _ = git;
        await git.OkAsync("w", "push", "-q", "origin", "main");
        var projectId = await server.ProjectIdAsync(repository);
        // The first push of the default branch has no base, so every path of the commit counts: none is under data/.
        Assert.Equal(["no_match"], await server.OutcomesAsync(projectId, 1));

        await git.CommitAsync("w", "data/iris.csv", "a,b\n", "data");
        await git.OkAsync("w", "push", "-q", "origin", "main");

        Assert.StartsWith("runs: ", (await server.OutcomesAsync(projectId, 2))[1]);
    }

    [Fact]
    public async Task GitPush_NewBranch_ComparesWithMergeBaseOfDefaultBranch()
    {
        var filtered = RunServer.TwoSteps.Replace("push: { branches: [\"*\"] }", "push: { branches: [\"*\"], paths: [\"data/**\"] }");
        var (repository, git) = await server.CloneWithDefinitionAsync(filtered);
        using var _ = git;
        await git.CommitAsync("w", "data/iris.csv", "a,b\n", "data");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        var projectId = await server.ProjectIdAsync(repository);
        await server.OutcomesAsync(projectId, 1);

        // A branch with only a README change: against the merge base nothing under data/ changed.
        await git.OkAsync("w", "checkout", "-q", "-b", "docs");
        await git.CommitAsync("w", "README.md", "more\n", "docs");
        await git.OkAsync("w", "push", "-q", "origin", "docs");

        Assert.Equal("no_match", (await server.OutcomesAsync(projectId, 2))[1]);
    }

    [Fact]
    public async Task GitPush_NewerPushToSameBranch_CancelsOlderRunsJobsNotStarted()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(RunServer.TwoSteps);
        using var _ = git;
        await git.OkAsync("w", "push", "-q", "origin", "main");
        var projectId = await server.ProjectIdAsync(repository);
        await server.OutcomesAsync(projectId, 1);

        await git.CommitAsync("w", "prepare.py", "print(1)\n", "second");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await server.OutcomesAsync(projectId, 2);

        var runs = await server.RunsAsync(repository);
        Assert.Equal(["pending", "canceled"], runs.Select(r => r.GetProperty("status").GetString()));
        var older = await server.GetJsonAsync($"/api/v1/runs/{runs[1].GetProperty("id").GetInt64()}");
        Assert.All(older.GetProperty("jobs").EnumerateArray(), j => Assert.Equal("canceled", j.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task PushEvent_ProcessedTwice_CreatesRunsOnce()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(RunServer.TwoSteps);
        using var _ = git;
        await git.OkAsync("w", "push", "-q", "origin", "main");
        var projectId = await server.ProjectIdAsync(repository);
        await server.OutcomesAsync(projectId, 1);

        // As if a second process had claimed it again after a crash: the dedup key holds.
        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("UPDATE push_events SET processed_at = NULL WHERE project_id = @projectId; NOTIFY mlops_push_events",
                new { projectId });
        }

        Assert.Equal(["already_created"], await server.OutcomesAsync(projectId, 1));
        Assert.Single(await server.RunsAsync(repository));
    }
}
