using Dapper;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>One-step runs of a published operation: a run with trigger `operation` and one job, billed to the project's client.</summary>
public sealed class OperationRunTests(CatalogServer server) : IClassFixture<CatalogServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private async Task<(string Operation, string Project)> ArrangeAsync()
    {
        var (opRepo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(opRepo, "1.0.0");
        var (project, _, _) = await server.ArrangeOperationAsync(git, new Dictionary<string, string> { ["data/iris.csv"] = "a,b\n1,2\n" });
        return ($"{owner}/sklearn-train", project);
    }

    private async Task<HttpResponseMessage> RunAsync(string operation, object body, string version = "1.0.0", string user = GitServer.Developer)
    {
        using var client = server.User(user);
        return await client.PostAsJsonAsync($"/api/v1/operations/{operation}/{version}/runs", body);
    }

    [Fact]
    public async Task Run_PublishedOperation_PendingRunAndJobWithTheCompiledSpec()
    {
        var (operation, project) = await ArrangeAsync();

        var response = await RunAsync(operation, new
        {
            project, @params = new { model = "forest", max_iter = 50 }, inputs = new { table = "data/iris.csv" },
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await MlOpsServer.Read(response);
        var runId = body.GetProperty("run_id").GetInt64();
        Assert.Equal($"/api/v1/runs/{runId}", response.Headers.Location!.OriginalString);
        await using var connection = await server.OpenAsync();
        var run = await connection.QuerySingleAsync<(string Trigger, string Pipeline, string Status, string Client, string Params)>(
            """
            SELECT r.trigger, r.pipeline, r.status, n.full_path, r.params::text FROM runs r JOIN namespaces n ON n.id = r.client_id WHERE r.id = @runId
            """, new { runId });
        Assert.Equal(("operation", "operation", "pending", project[..project.IndexOf('/')]), (run.Trigger, run.Pipeline, run.Status, run.Client));
        var job = await connection.QuerySingleAsync<(string Name, string Status, long MemoryBytes, string Spec)>(
            "SELECT name, status, memory_bytes, spec::text FROM jobs WHERE run_id = @runId", new { runId });
        Assert.Equal(("sklearn-train", "pending", 2L << 30), (job.Name, job.Status, job.MemoryBytes));
        var spec = JsonDocument.Parse(job.Spec).RootElement;
        Assert.Equal("registry.example.com/community/sklearn-train:2.0.1", spec.GetProperty("image").GetString());
        Assert.Equal(["python3", "/op/train.py", "--table", "data/iris.csv", "--out", ".mlops/sklearn-train/model",
            "--model", "forest", "--max-iter", "50"], spec.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("1.0.0", spec.GetProperty("operation").GetProperty("version").GetString());
        Assert.Equal(project, spec.GetProperty("env").GetProperty("MLOPS_PROJECT").GetString());
        var page = await MlOpsServer.Ensure(await server.User(GitServer.Developer).GetAsync($"/api/v1/operations/{operation}"));
        Assert.Equal(1, page.GetProperty("operation").GetProperty("uses").GetInt64());
        Assert.Equal(project, page.GetProperty("used_by")[0].GetProperty("project").GetString());
    }

    [Fact]
    public async Task Run_BadParamsAndInputs_400NamingEachAndNoRun()
    {
        var (operation, project) = await ArrangeAsync();

        var response = await RunAsync(operation, new { project, @params = new { max_iter = 0, depth = 3 }, inputs = new { tabel = "x.csv" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await MlOpsServer.Read(response)).GetProperty("errors");
        Assert.Equal("param 'max_iter' must be at least 1, got 0", errors.GetProperty("params.max_iter")[0].GetString());
        Assert.Equal($"operation {operation}@1.0.0 has no param 'depth' (params: max_iter, model)", errors.GetProperty("params.depth")[0].GetString());
        Assert.StartsWith($"operation {operation}@1.0.0 has no input 'tabel'", errors.GetProperty("inputs.tabel")[0].GetString());
        Assert.Equal(0, await server.ScalarAsync<long>(
            "SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id JOIN namespaces n ON n.id = p.namespace_id WHERE n.full_path || '/' || p.path = @project",
            new { project }));
    }

    [Fact]
    public async Task Run_BadRunnerTag_400UnderTagsAndNoRun()
    {
        var (operation, project) = await ArrangeAsync();

        var response = await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" }, tags = new[] { "gpu a100" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("runner tag 'gpu a100' of step 'sklearn-train' is not valid (1 to 64 characters, no spaces)",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("tags")[0].GetString());
        Assert.Equal(0, await server.ScalarAsync<long>(
            "SELECT count(*) FROM runs r JOIN projects p ON p.id = r.project_id JOIN namespaces n ON n.id = p.namespace_id WHERE n.full_path || '/' || p.path = @project",
            new { project }));
    }

    [Fact]
    public async Task Run_YankedVersion_RefusedButEarlierRunKeepsItsRecord()
    {
        var (operation, project) = await ArrangeAsync();
        var earlier = await MlOpsServer.Ensure(await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" } }));
        using (var maintainer = server.User(GitServer.Maintainer))
        {
            await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync($"/api/v1/operations/{operation}/versions/1.0.0/yank", new { reason = "leaks memory" }));
        }

        var refused = await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" } });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal($"operation {operation}@1.0.0 was yanked: leaks memory (pin another version; runs that already used it keep their record).",
            (await MlOpsServer.Read(refused)).GetProperty("errors").GetProperty("version")[0].GetString());
        Assert.Equal("pending", await server.ScalarAsync<string>("SELECT status FROM runs WHERE id = @id",
            new { id = earlier.GetProperty("run_id").GetInt64() }));
    }

    [Fact]
    public async Task Run_ReporterOfTheProject_403AndUnknownVersion_404()
    {
        var (operation, project) = await ArrangeAsync();

        var reporter = await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" } }, user: GitServer.Reporter);
        var unknown = await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" } }, version: "9.9.9");

        Assert.Equal(HttpStatusCode.Forbidden, reporter.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal($"Operation '{operation}' has no version '9.9.9'; known versions: 1.0.0.", (await MlOpsServer.Read(unknown)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Run_InputFromAnEarlierRunsArtifact_CheckedThenStaged()
    {
        var (operation, project) = await ArrangeAsync();
        var earlier = await MlOpsServer.Ensure(await RunAsync(operation, new { project, inputs = new { table = "data/iris.csv" } }));
        var earlierRun = earlier.GetProperty("run_id").GetInt64();
        var input = new { table = new { run = earlierRun, job = "sklearn-train", output = "model" } };

        var notFinished = await RunAsync(operation, new { project, inputs = input });
        var noRun = await RunAsync(operation, new { project, inputs = new { table = new { run = 987654321, job = "fit", output = "model" } } });
        await using (var connection = await server.OpenAsync())
        {
            // What the runner leaves when the job succeeds: the state and the uploaded output.
            await connection.ExecuteAsync(
                """
                UPDATE jobs SET status = 'success', finished_at = now() WHERE run_id = @earlierRun;
                INSERT INTO job_artifacts (job_id, project_id, client_id, name, type, size_bytes, sha256)
                SELECT id, project_id, client_id, 'model', 'model', 3, repeat('c', 64) FROM jobs WHERE run_id = @earlierRun;
                SELECT advance_run(@earlierRun);
                """, new { earlierRun });
        }
        var staged = await RunAsync(operation, new { project, inputs = input });

        Assert.Equal($"job 'sklearn-train' of run {earlierRun} has not succeeded (it is pending)",
            (await MlOpsServer.Read(notFinished)).GetProperty("errors").GetProperty("inputs.table")[0].GetString());
        Assert.Equal("run 987654321 not found", (await MlOpsServer.Read(noRun)).GetProperty("errors").GetProperty("inputs.table")[0].GetString());
        Assert.Equal(HttpStatusCode.Created, staged.StatusCode);
        var spec = JsonDocument.Parse(await server.ScalarAsync<string>("SELECT spec::text FROM jobs WHERE run_id = @id",
            new { id = (await MlOpsServer.Read(staged)).GetProperty("run_id").GetInt64() })).RootElement;
        var stagedInput = spec.GetProperty("inputs")[0];
        Assert.Equal("run", stagedInput.GetProperty("kind").GetString());
        Assert.Equal(earlierRun, stagedInput.GetProperty("run").GetInt64());
        Assert.Equal(".mlops/inputs/sklearn-train/table", stagedInput.GetProperty("stage_path").GetString());
    }

    [Fact]
    public async Task Run_ArtifactOfAPrivateRun_OutsiderGetsNotFound()
    {
        var (operation, privateProject) = await ArrangeAsync();
        var earlier = await MlOpsServer.Ensure(await RunAsync(operation, new { project = privateProject, inputs = new { table = "data/iris.csv" } }));
        await using (var connection = await server.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE projects SET visibility = 'private' WHERE id = (SELECT project_id FROM runs WHERE id = @id)",
                new { id = earlier.GetProperty("run_id").GetInt64() });
        }
        var (outsiderProject, _, _) = await server.ArrangeOperationAsync(git, new Dictionary<string, string> { ["x.txt"] = "x" });
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{outsiderProject[..outsiderProject.IndexOf('/')]}/members",
            new { username = GitServer.Outsider, role = "developer" }));

        var response = await RunAsync(operation, new
        {
            project = outsiderProject, inputs = new { table = new { run = earlier.GetProperty("run_id").GetInt64(), job = "sklearn-train", output = "model" } },
        }, user: GitServer.Outsider);

        Assert.Equal($"run {earlier.GetProperty("run_id").GetInt64()} not found",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("inputs.table")[0].GetString());
    }
}
