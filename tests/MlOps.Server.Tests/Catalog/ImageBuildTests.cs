using Dapper;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>
/// `build: Dockerfile` operations: publishing creates an image-build job and the version waits for
/// it. Here the runner's side is played with SQL (the job's end state, then advance_run, which
/// notifies); the real build by the runner on a Docker engine is in <see cref="BuiltOperationTests"/>.
/// </summary>
public sealed class ImageBuildTests(CatalogServer server) : IClassFixture<CatalogServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private static readonly string Digest = "sha256:" + new string('d', 64);

    private async Task<(string Owner, long JobId, string Commit)> PublishBuildAsync()
    {
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, new Dictionary<string, string>
        {
            ["operation.yml"] = CatalogServer.Manifest(name: "img-op", image: "build: docker/Dockerfile"),
            ["docker/Dockerfile"] = "FROM python:3.12-slim\nCOPY train.py /op/train.py\n",
            ["train.py"] = "print('hi')\n",
        });
        var version = await server.PublishAsync(repo, "1.0.0");
        Assert.Equal("building", version.GetProperty("status").GetString());
        return (owner, version.GetProperty("build").GetProperty("job_id").GetInt64(), commit);
    }

    private async Task FinishAsync(long jobId, string status, string? digest, string? reason)
    {
        await using var connection = await server.OpenAsync();
        await connection.ExecuteAsync(
            """
            UPDATE jobs SET status = @status, image_digest = @digest, failure_reason = @reason, finished_at = now() WHERE id = @jobId;
            SELECT advance_run(run_id) FROM jobs WHERE id = @jobId;
            """, new { jobId, status, digest, reason });
    }

    private async Task<JsonElement> WaitForStatusAsync(string owner, string not)
    {
        using var client = server.User(GitServer.Developer);
        // The listener reacts to NOTIFY; poll its effect with a generous bound (not a timing assert).
        for (var i = 0; i < 300; i++)
        {
            var version = await MlOpsServer.Ensure(await client.GetAsync($"/api/v1/operations/{owner}/img-op/versions/1.0.0"));
            if (version.GetProperty("status").GetString() != not) return version;
            await Task.Delay(100);
        }
        throw new TimeoutException("the version never left " + not);
    }

    private async Task<JsonElement> LintAsync(string uses)
    {
        using var client = server.User(GitServer.Developer);
        var content = $"pipelines:\n  p:\n    steps:\n      fit:\n        uses: {uses}\n        inputs: {{ table: data/iris.csv }}\n";
        return await MlOpsServer.Ensure(await client.PostAsJsonAsync("/api/v1/lint", new { content }));
    }

    [Fact]
    public async Task Publish_Dockerfile_ImageBuildJobWithTheDocumentedSpec_VersionRefusedUntilBuilt()
    {
        var (owner, jobId, commit) = await PublishBuildAsync();

        await using var connection = await server.OpenAsync();
        var job = await connection.QuerySingleAsync<(string Name, string Status, string Pipeline, string Trigger, string Spec)>(
            "SELECT j.name, j.status, j.pipeline, r.trigger, j.spec::text FROM jobs j JOIN runs r ON r.id = j.run_id WHERE j.id = @jobId", new { jobId });
        Assert.Equal(("image-build", "pending", "publish", "operation"), (job.Name, job.Status, job.Pipeline, job.Trigger));
        var spec = JsonDocument.Parse(job.Spec).RootElement;
        Assert.False(spec.TryGetProperty("operation", out _));
        Assert.True(spec.GetProperty("checkout").GetBoolean());
        var build = spec.GetProperty("image_build");
        Assert.Equal(commit, build.GetProperty("commit_sha").GetString());
        Assert.Equal(".", build.GetProperty("context").GetString());
        Assert.Equal("docker/Dockerfile", build.GetProperty("dockerfile").GetString());
        Assert.Equal($"mlops.local/operations/{owner}/img-op:1.0.0", build.GetProperty("target").GetString());
        Assert.Equal($"{owner}/p", build.GetProperty("project").GetString());
        var lint = await LintAsync($"{owner}/img-op@1.0.0");
        Assert.Equal($"operation {owner}/img-op@1.0.0 is still being built", lint.GetProperty("errors")[0].GetProperty("message").GetString());
        Assert.Equal(0, await server.ScalarAsync<long>("SELECT use_count FROM operations WHERE lower(owner) = lower(@owner)", new { owner }));
    }

    [Fact]
    public async Task BuildSucceeds_VersionReadyWithTheDigest_AndPipelinesGetTheBuiltImage()
    {
        var (owner, jobId, _) = await PublishBuildAsync();

        await FinishAsync(jobId, "success", Digest, null);
        var version = await WaitForStatusAsync(owner, "building");
        var lint = await LintAsync($"{owner}/img-op@1.0.0");

        Assert.Equal("ready", version.GetProperty("status").GetString());
        Assert.Equal(Digest, version.GetProperty("image_digest").GetString());
        Assert.Equal($"/api/v1/jobs/{jobId}/log", version.GetProperty("build").GetProperty("log").GetString());
        var job = lint.GetProperty("jobs")[0].GetProperty("jobs")[0];
        Assert.Equal($"mlops.local/operations/{owner}/img-op:1.0.0", job.GetProperty("image").GetString());
        Assert.Equal(Digest, job.GetProperty("operation").GetProperty("image_digest").GetString());
    }

    [Fact]
    public async Task BuildFails_VersionFailedWithTheReason_AndLintPointsAtTheLog()
    {
        var (owner, jobId, _) = await PublishBuildAsync();

        await FinishAsync(jobId, "failed", null, "docker build exited with code 1");
        var version = await WaitForStatusAsync(owner, "building");
        var lint = await LintAsync($"{owner}/img-op@1.0.0");

        Assert.Equal("failed", version.GetProperty("status").GetString());
        Assert.Equal("docker build exited with code 1", version.GetProperty("build").GetProperty("failure").GetString());
        var error = lint.GetProperty("errors")[0];
        Assert.Equal($"operation {owner}/img-op@1.0.0 failed to build: docker build exited with code 1", error.GetProperty("message").GetString());
        Assert.Equal($"the build log is at /api/v1/jobs/{jobId}/log; publish a fixed version", error.GetProperty("hint").GetString());
    }

    [Fact]
    public async Task Publish_DockerfileMissing_400()
    {
        var (repo, _, commit) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(name: "img-op", image: "build: Dockerfile"));
        using var developer = server.User(GitServer.Developer);

        var response = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"build names 'Dockerfile', which is not a file at commit {commit[..12]}.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("operation.yml")[0].GetString());
    }
}
