using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>Publishing versions from repositories pushed with the real `git` client.</summary>
public sealed class PublishTests(CatalogServer server) : IClassFixture<CatalogServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task Publish_PushedTag_ReadyVersionWithCommitManifestAndImage()
    {
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(
            image: "image: registry.example.com/train@sha256:" + new string('a', 64)));
        using var developer = server.User(GitServer.Developer);

        var response = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0", response.Headers.Location!.OriginalString);
        var version = await MlOpsServer.Read(response);
        Assert.Equal($"{owner}/sklearn-train", version.GetProperty("operation").GetString());
        Assert.Equal(commit, version.GetProperty("commit_sha").GetString());
        Assert.Equal("ready", version.GetProperty("status").GetString());
        Assert.Equal("registry.example.com/train@sha256:" + new string('a', 64), version.GetProperty("image_reference").GetString());
        Assert.Equal("sha256:" + new string('a', 64), version.GetProperty("image_digest").GetString());
        Assert.Equal(GitServer.Developer, version.GetProperty("published_by").GetString());
        var param = version.GetProperty("manifest").GetProperty("params")[1];
        Assert.Equal("max_iter", param.GetProperty("name").GetString());
        Assert.Equal("int", param.GetProperty("type").GetString());
        Assert.Equal(200, param.GetProperty("default").GetInt32());
        var fetched = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0"));
        Assert.Equal(commit, fetched.GetProperty("commit_sha").GetString());
    }

    [Fact]
    public async Task Publish_InvalidManifest_400WithEveryErrorPositionedAndNothingPublished()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, """
            name: broken
            kind: algoritm
            image: python:3.12-slim
            command: [python3, "{{params.rate}}"]
            """);
        using var developer = server.User(GitServer.Developer);

        var response = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await MlOpsServer.Read(response);
        Assert.Equal(
            ["line 2, column 7: unknown kind 'algoritm' (did you mean 'algorithm'?)",
             "line 4, column 20: placeholder '{{params.rate}}' refers to no declared param 'rate'"],
            problem.GetProperty("errors").GetProperty("operation.yml").EnumerateArray().Select(e => e.GetString()!.Split(" (declared")[0]));
        var first = problem.GetProperty("lint_errors")[0];
        Assert.Equal(2, first.GetProperty("line").GetInt32());
        Assert.Equal(7, first.GetProperty("column").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, (await developer.GetAsync($"/api/v1/operations/{owner}/broken")).StatusCode);
    }

    [Fact]
    public async Task Publish_SameVersionAgain_409AndTheFirstStays()
    {
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        await git.CommitAsync(Directory.GetDirectories(git.Root, "op-*").Single()[(git.Root.Length + 1)..], "README.md", "changed", "later");
        using var developer = server.User(GitServer.Developer);

        var again = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "main", version = "1.0.0" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"Version 1.0.0 of {owner}/sklearn-train is already published; versions never change, publish a new version number.",
            (await MlOpsServer.Read(again)).GetProperty("detail").GetString());
        var stored = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0"));
        Assert.Equal(commit, stored.GetProperty("commit_sha").GetString());
    }

    [Theory]
    [InlineData("latest", "version must be a semantic version such as 1.2.0 or 1.2.0-rc.1.")]
    [InlineData("^1.2", "version must be a semantic version such as 1.2.0 or 1.2.0-rc.1.")]
    public async Task Publish_VersionNotSemver_400(string version, string message)
    {
        var (repo, _, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        using var developer = server.User(GitServer.Developer);

        var response = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("version")[0].GetString());
    }

    [Fact]
    public async Task Publish_UnknownRefOrNoManifest_400NamingIt()
    {
        var (repo, _, commit) = await server.ArrangeOperationAsync(git, new Dictionary<string, string> { ["README.md"] = "# not an operation" });
        using var developer = server.User(GitServer.Developer);

        var unknownRef = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v9", version = "1.0.0" });
        var noManifest = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });

        Assert.Equal($"ref 'v9' is not a commit of {repo}.", (await MlOpsServer.Read(unknownRef)).GetProperty("errors").GetProperty("ref")[0].GetString());
        Assert.Equal($"{repo} has no operation.yml at commit {commit[..12]}.",
            (await MlOpsServer.Read(noManifest)).GetProperty("errors").GetProperty("operation.yml")[0].GetString());
    }

    [Fact]
    public async Task Publish_ReporterForbiddenOutsiderOfPrivateSeesNothing()
    {
        var (repo, _, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(), visibility: "private");
        using var reporter = server.User(GitServer.Reporter);
        using var outsider = server.User(GitServer.Outsider);

        var byReporter = await reporter.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });
        var byOutsider = await outsider.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "1.0.0" });

        Assert.Equal(HttpStatusCode.Forbidden, byReporter.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, byOutsider.StatusCode);
        Assert.Equal($"Project '{repo}' not found.", (await MlOpsServer.Read(byOutsider)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Publish_RenamedInManifest_400KeepsTheName()
    {
        var (repo, _, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        var work = Directory.GetDirectories(git.Root, "op-*").Single()[(git.Root.Length + 1)..];
        await git.CommitAsync(work, "operation.yml", CatalogServer.Manifest(name: "other-name"), "rename");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        using var developer = server.User(GitServer.Developer);

        var response = await developer.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "main", version = "1.1.0" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal($"operation.yml names the operation 'other-name', but {repo} publishes 'sklearn-train'; an operation keeps its name.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("operation.yml")[0].GetString());
    }
}
