using Dapper;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Runs;

public class ManualRunTests(RunServer server) : IClassFixture<RunServer>
{
    private async Task<(string Repository, GitCli Git)> PushedAsync(string definition)
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(definition, "pipeline [skip ci]");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1);
        return (repository, git);
    }

    private async Task<HttpResponseMessage> StartAsync(string repository, object body, string user = RunServer.Developer)
    {
        using var client = server.As(server.Tokens[user]);
        return await client.PostAsJsonAsync($"{RunServer.Api(repository)}/runs", body);
    }

    [Fact]
    public async Task CreateRun_ManualWithParams_CreatesRunWithCheckedParams()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;

        var response = await StartAsync(repository, new { pipeline = "train", @ref = "main", @params = new { epochs = 7 } });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var run = await MlOpsServer.Read(response);
        Assert.Equal("manual", run.GetProperty("trigger").GetString());
        Assert.Equal(7, run.GetProperty("params").GetProperty("epochs").GetInt32());
        Assert.Equal(RunServer.Developer, run.GetProperty("triggered_by_name").GetString());
        var fit = await server.GetJsonAsync($"/api/v1/jobs/{run.GetProperty("jobs")[1].GetProperty("id").GetInt64()}");
        Assert.Contains("7", fit.GetProperty("spec").GetProperty("env").GetProperty("MLOPS_PARAMS_EPOCHS").GetString());
    }

    [Fact]
    public async Task CreateRun_ParamOfWrongType_Returns400NamingTheParam()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;

        var response = await StartAsync(repository, new { pipeline = "train", @ref = "main", @params = new { epochs = "many" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await MlOpsServer.Read(response)).GetProperty("errors");
        Assert.Contains("epochs", errors.GetProperty("params.epochs")[0].GetString());
    }

    [Fact]
    public async Task CreateRun_UnknownPipeline_Returns400NamingThePipeline()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;

        var response = await StartAsync(repository, new { pipeline = "trian", @ref = "main" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Pipeline 'trian' is not defined in mlops.yml at 'main'; it defines: train.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("pipeline")[0].GetString());
    }

    [Fact]
    public async Task CreateRun_UnknownRef_Returns400NamingTheRef()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;

        var response = await StartAsync(repository, new { pipeline = "train", @ref = "nope" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Ref 'nope' does not exist in this project's repository.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("ref")[0].GetString());
    }

    [Fact]
    public async Task CreateRun_PipelineWithoutManualTrigger_Returns400SayingSo()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps.Replace("      manual: true\n", ""));
        using var _ = git;

        var response = await StartAsync(repository, new { pipeline = "train", @ref = "main" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Pipeline 'train' has no manual trigger: add `manual: true` to its `on:` to start it by hand.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("pipeline")[0].GetString());
    }

    [Fact]
    public async Task CreateRun_Reporter_Returns403AndOutsider404()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;

        Assert.Equal(HttpStatusCode.Forbidden, (await StartAsync(repository, new { pipeline = "train" }, RunServer.Reporter)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await StartAsync(repository, new { pipeline = "train" }, RunServer.Outsider)).StatusCode);
    }

    [Fact]
    public async Task GetRun_OutsiderOfPrivateProject_Returns404LikeNonexistent()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var run = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));
        var id = run.GetProperty("id").GetInt64();
        using var outsider = server.As(server.Tokens[RunServer.Outsider]);
        using var reporter = server.As(server.Tokens[RunServer.Reporter]);

        var hidden = await outsider.GetAsync($"/api/v1/runs/{id}");
        var missing = await outsider.GetAsync("/api/v1/runs/999999999");
        var hiddenJob = await outsider.GetAsync($"/api/v1/jobs/{run.GetProperty("jobs")[0].GetProperty("id").GetInt64()}");

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, hiddenJob.StatusCode);
        Assert.Equal($"Run {id} not found.", (await MlOpsServer.Read(hidden)).GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await reporter.GetAsync($"/api/v1/runs/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await reporter.PostAsync($"/api/v1/runs/{id}/cancel", null)).StatusCode);
    }

    [Fact]
    public async Task CancelRun_NotStarted_CancelsJobsAndRun()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var run = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));
        using var developer = server.As(server.Tokens[RunServer.Developer]);

        var canceled = await MlOpsServer.Ensure(await developer.PostAsync($"/api/v1/runs/{run.GetProperty("id").GetInt64()}/cancel", null));

        Assert.Equal("canceled", canceled.GetProperty("status").GetString());
        Assert.All(canceled.GetProperty("jobs").EnumerateArray(), j => Assert.Equal("canceled", j.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task CancelRun_RunningJob_AsksRunnerToStop()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var run = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));
        var runId = run.GetProperty("id").GetInt64();
        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("UPDATE jobs SET status = 'running', started_at = now() WHERE run_id = @runId AND name = 'prepare'; SELECT advance_run(@runId)",
                new { runId });
        }
        using var developer = server.As(server.Tokens[RunServer.Developer]);

        var canceled = await MlOpsServer.Ensure(await developer.PostAsync($"/api/v1/runs/{runId}/cancel", null));

        var jobs = canceled.GetProperty("jobs").EnumerateArray().ToArray();
        Assert.Equal(("running", true), (jobs[0].GetProperty("status").GetString(), jobs[0].GetProperty("cancel_requested").GetBoolean()));
        Assert.Equal("canceled", jobs[1].GetProperty("status").GetString());
        Assert.Equal("running", canceled.GetProperty("status").GetString());
    }

    [Fact]
    public async Task RetryRun_FailedOnly_CachesSucceededJobsFromTheEarlierRun()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var run = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));
        var runId = run.GetProperty("id").GetInt64();
        var prepareId = run.GetProperty("jobs")[0].GetProperty("id").GetInt64();
        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("""
                UPDATE jobs SET status = 'success', finished_at = now() WHERE run_id = @runId AND name = 'prepare'; SELECT advance_run(@runId);
                UPDATE jobs SET status = 'failed', finished_at = now() WHERE run_id = @runId AND name = 'fit'; SELECT advance_run(@runId);
                """, new { runId });
        }
        using var developer = server.As(server.Tokens[RunServer.Developer]);

        var retry = await MlOpsServer.Ensure(await developer.PostAsJsonAsync($"/api/v1/runs/{runId}/retry", new { failed_only = true }));

        Assert.Equal(runId, retry.GetProperty("retry_of").GetInt64());
        Assert.Equal("retry", retry.GetProperty("trigger").GetString());
        var jobs = retry.GetProperty("jobs").EnumerateArray().ToArray();
        Assert.Equal(("cached", prepareId), (jobs[0].GetProperty("status").GetString(), jobs[0].GetProperty("cached_from").GetInt64()));
        Assert.Equal("pending", jobs[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task CreateRun_SameStepSucceededBefore_IsCachedFromIt()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var first = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));
        var firstId = first.GetProperty("id").GetInt64();
        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("UPDATE jobs SET status = 'success', finished_at = now() WHERE run_id = @firstId AND name = 'prepare'; SELECT advance_run(@firstId)",
                new { firstId });
        }

        var second = await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }));

        var jobs = second.GetProperty("jobs").EnumerateArray().ToArray();
        Assert.Equal("cached", jobs[0].GetProperty("status").GetString());
        Assert.Equal(first.GetProperty("jobs")[0].GetProperty("id").GetInt64(), jobs[0].GetProperty("cached_from").GetInt64());
        Assert.Equal("pending", jobs[1].GetProperty("status").GetString());
    }

    [Fact]
    public async Task ListRuns_FilterAndKeyset_NewestFirst()
    {
        var (repository, git) = await PushedAsync(RunServer.TwoSteps);
        using var _ = git;
        var ids = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await MlOpsServer.Ensure(await StartAsync(repository, new { pipeline = "train" }))).GetProperty("id").GetInt64());
        }

        var page = await server.GetJsonAsync($"{RunServer.Api(repository)}/runs?per_page=2&pipeline=train&ref=main");
        var next = await server.GetJsonAsync($"{RunServer.Api(repository)}/runs?per_page=2&cursor={page.GetProperty("next_cursor").GetString()}");

        Assert.Equal([ids[2], ids[1]], page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.Equal([ids[0]], next.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()));
        Assert.Empty(await server.RunsAsync(repository, "?status=success"));
    }
}
