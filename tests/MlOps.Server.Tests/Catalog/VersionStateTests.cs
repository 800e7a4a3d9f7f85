using MlOps.Server.Features.Catalog;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>Using versions by `uses:` in lint: deprecation, yanking, commits, visibility; and an operation's page and stars.</summary>
public sealed class VersionStateTests(CatalogServer server) : IClassFixture<CatalogServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private static string Pipeline(string uses) => $$"""
        pipelines:
          train:
            steps:
              fit:
                uses: {{uses}}
                inputs: { table: data/iris.csv }
                params: { max_iter: 50 }
        """;

    private async Task<JsonElement> LintAsync(string uses, string user = GitServer.Developer)
    {
        using var client = server.User(user);
        return await MlOpsServer.Ensure(await client.PostAsJsonAsync("/api/v1/lint", new { content = Pipeline(uses) }));
    }

    private static List<string> Messages(JsonElement lint, string list) =>
        lint.GetProperty(list).EnumerateArray().Select(e => $"{e.GetProperty("line").GetInt32()}:{e.GetProperty("column").GetInt32()}: " +
            e.GetProperty("message").GetString()).ToList();

    [Fact]
    public async Task Lint_PublishedVersion_CompilesWithTheFrozenImageAndCommit()
    {
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");

        var lint = await LintAsync($"{owner}/sklearn-train@1.0.0");

        Assert.True(lint.GetProperty("valid").GetBoolean(), lint.ToString());
        Assert.Empty(lint.GetProperty("warnings").EnumerateArray());
        var job = lint.GetProperty("jobs")[0].GetProperty("jobs")[0];
        Assert.Equal("registry.example.com/community/sklearn-train:2.0.1", job.GetProperty("image").GetString());
        Assert.Equal(commit, job.GetProperty("operation").GetProperty("commit_sha").GetString());
        Assert.Contains("50", job.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Lint_DeprecatedVersion_ValidWithWarning_AndUndeprecateClearsIt()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        using var maintainer = server.User(GitServer.Maintainer);
        var url = $"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0/deprecation";

        var deprecated = await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync(url, new { message = "use 2.0.0, which handles empty rows" }));
        var lint = await LintAsync($"{owner}/sklearn-train@1.0.0");
        await MlOpsServer.Ensure(await maintainer.DeleteAsync(url));
        var after = await LintAsync($"{owner}/sklearn-train@1.0.0");

        Assert.Equal("use 2.0.0, which handles empty rows", deprecated.GetProperty("deprecation_message").GetString());
        Assert.True(lint.GetProperty("valid").GetBoolean());
        Assert.Equal([$"5:15: operation {owner}/sklearn-train@1.0.0 is deprecated: use 2.0.0, which handles empty rows"], Messages(lint, "warnings"));
        Assert.Empty(after.GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public async Task Lint_YankedVersion_ErrorWithReason_OtherVersionsListedWhenUnknown()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        await server.PublishAsync(repo, "1.0.1");
        using var maintainer = server.User(GitServer.Maintainer);
        await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0/yank",
            new { reason = "writes the model to the wrong path" }));

        var yanked = await LintAsync($"{owner}/sklearn-train@1.0.0");
        var unknown = await LintAsync($"{owner}/sklearn-train@3.0.0");

        Assert.False(yanked.GetProperty("valid").GetBoolean());
        Assert.Equal([$"5:15: operation {owner}/sklearn-train@1.0.0 was yanked: writes the model to the wrong path"], Messages(yanked, "errors"));
        Assert.Equal([$"5:15: operation '{owner}/sklearn-train' has no version '3.0.0'"], Messages(unknown, "errors"));
        Assert.Equal("known versions: 1.0.1", unknown.GetProperty("errors")[0].GetProperty("hint").GetString());
    }

    [Fact]
    public async Task DeprecateAndYank_Developer_403()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        using var developer = server.User(GitServer.Developer);

        var yank = await developer.PutAsJsonAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0/yank", new { reason = "x" });
        var deprecate = await developer.PutAsJsonAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0/deprecation", new { message = "x" });

        Assert.Equal(HttpStatusCode.Forbidden, yank.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deprecate.StatusCode);
        Assert.Equal("You need the maintainer role or higher to manage this project.", (await MlOpsServer.Read(yank)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Lint_CommitSha_PublishedCommitAndUnpublishedImageCommitBothResolve()
    {
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        var work = Directory.GetDirectories(git.Root, "op-*").Single()[(git.Root.Length + 1)..];
        var later = await git.CommitAsync(work, "operation.yml", CatalogServer.Manifest(image: "image: python:3.13-slim"), "newer image");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");

        var published = await LintAsync($"{owner}/sklearn-train@{commit}");
        var unpublished = await LintAsync($"{owner}/sklearn-train@{later}");
        var missing = await LintAsync($"{owner}/sklearn-train@{new string('e', 40)}");

        Assert.Equal("registry.example.com/community/sklearn-train:2.0.1",
            published.GetProperty("jobs")[0].GetProperty("jobs")[0].GetProperty("image").GetString());
        Assert.Equal("python:3.13-slim", unpublished.GetProperty("jobs")[0].GetProperty("jobs")[0].GetProperty("image").GetString());
        Assert.Equal([$"5:15: operation '{owner}/sklearn-train' has no version '{new string('e', 40)}'"], Messages(missing, "errors"));
    }

    [Fact]
    public async Task PrivateOperation_Outsider_LooksExactlyLikeANonexistentOne()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(), visibility: "private");
        await server.PublishAsync(repo, "1.0.0");
        using var outsider = server.User(GitServer.Outsider);
        using var reporter = server.User(GitServer.Reporter);
        var missingOwner = "g" + Guid.NewGuid().ToString("N")[..10];

        var page = await outsider.GetAsync($"/api/v1/operations/{owner}/sklearn-train");
        var nonexistent = await outsider.GetAsync($"/api/v1/operations/{missingOwner}/sklearn-train");
        var version = await outsider.GetAsync($"/api/v1/operations/{owner}/sklearn-train/versions/1.0.0");
        var star = await outsider.PutAsync($"/api/v1/operations/{owner}/sklearn-train/star", null);
        var lint = await LintAsync($"{owner}/sklearn-train@1.0.0", GitServer.Outsider);
        var lintNonexistent = await LintAsync($"{missingOwner}/sklearn-train@1.0.0", GitServer.Outsider);
        var member = await reporter.GetAsync($"/api/v1/operations/{owner}/sklearn-train");

        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, version.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, star.StatusCode);
        Assert.Equal($"Operation '{owner}/sklearn-train' not found.", (await MlOpsServer.Read(page)).GetProperty("detail").GetString());
        Assert.Equal($"Operation '{missingOwner}/sklearn-train' not found.", (await MlOpsServer.Read(nonexistent)).GetProperty("detail").GetString());
        Assert.Equal([$"5:15: unknown operation '{owner}/sklearn-train'"], Messages(lint, "errors"));
        Assert.Equal([$"5:15: unknown operation '{missingOwner}/sklearn-train'"], Messages(lintNonexistent, "errors"));
        Assert.Equal(HttpStatusCode.OK, member.StatusCode);
    }

    [Fact]
    public async Task Page_ReadmeRenderedSafely_ParamsVersionsAndStars()
    {
        var readme = "# CSV trainer\n\nTrains *fast*. <script>alert(1)</script> [bad](javascript:alert(1)) [docs](https://example.com/docs)\n";
        var (repo, owner, _) = await server.ArrangeOperationAsync(git,
            new Dictionary<string, string> { ["operation.yml"] = CatalogServer.Manifest(), ["README.md"] = readme });
        await server.PublishAsync(repo, "1.0.0");
        await server.PublishAsync(repo, "1.1.0");
        using var developer = server.User(GitServer.Developer);
        var url = $"/api/v1/operations/{owner}/sklearn-train";

        var first = await MlOpsServer.Ensure(await developer.PutAsync(url + "/star", null));
        var again = await MlOpsServer.Ensure(await developer.PutAsync(url + "/star", null));
        var page = await MlOpsServer.Ensure(await developer.GetAsync(url));
        var unstarred = await MlOpsServer.Ensure(await developer.DeleteAsync(url + "/star"));
        var unstarredAgain = await MlOpsServer.Ensure(await developer.DeleteAsync(url + "/star"));

        var html = page.GetProperty("readme_html").GetString()!;
        Assert.Contains("<h1 id=\"csv-trainer\">CSV trainer</h1>", html);
        Assert.Contains("<em>fast</em>", html);
        Assert.Contains("&lt;script&gt;", html);
        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("javascript:", html);
        Assert.Contains("<a href=\"https://example.com/docs\">docs</a>", html);
        Assert.Equal("1.1.0", page.GetProperty("version").GetString());
        Assert.Equal(["1.1.0", "1.0.0"], page.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()));
        Assert.Equal("enum", page.GetProperty("manifest").GetProperty("params")[0].GetProperty("type").GetString());
        Assert.Equal(["logistic", "forest"], page.GetProperty("manifest").GetProperty("params")[0].GetProperty("values").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("table", page.GetProperty("manifest").GetProperty("inputs")[0].GetProperty("type").GetString());
        Assert.True(page.GetProperty("starred").GetBoolean());
        Assert.Equal(1, first.GetProperty("stars").GetInt32());
        Assert.Equal(1, again.GetProperty("stars").GetInt32());
        Assert.Equal(1, page.GetProperty("operation").GetProperty("stars").GetInt32());
        Assert.Equal(0, unstarred.GetProperty("stars").GetInt32());
        Assert.Equal(0, unstarredAgain.GetProperty("stars").GetInt32());
    }

    [Fact]
    public async Task Page_ReadmeRelativeLinksAndImages_PointAtTheRepositoryFilesAtTheVersionsCommit()
    {
        var readme = """
            # Stamp

            ![plot](img/plot.svg) [usage](./docs/usage.md#options) [examples](examples/) [root](/LICENSE)
            [home](https://example.com/x.md) [top](#stamp) [mail](mailto:a@example.com) [ref][r]

            [r]: docs/ref.md
            """;
        var (repo, owner, commit) = await server.ArrangeOperationAsync(git, new Dictionary<string, string>
        {
            ["operation.yml"] = CatalogServer.Manifest(), ["README.md"] = readme, ["img/plot.svg"] = "<svg>v1</svg>",
        });
        await server.PublishAsync(repo, "1.0.0");
        using var developer = server.User(GitServer.Developer);

        var page = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/operations/{owner}/sklearn-train?version=1.0.0"));

        var html = page.GetProperty("readme_html").GetString()!;
        var files = $"/api/v1/projects/{owner}/p/repository";
        Assert.Contains($"<img src=\"{files}/files/img%2Fplot.svg/raw?ref={commit}&amp;lfs=true\" alt=\"plot\" />", html);
        Assert.Contains($"<a href=\"{files}/files/docs%2Fusage.md/raw?ref={commit}\">usage</a>", html);
        Assert.Contains($"<a href=\"{files}/tree?ref={commit}&amp;path=examples\">examples</a>", html);
        Assert.Contains($"<a href=\"{files}/files/LICENSE/raw?ref={commit}\">root</a>", html);
        Assert.Contains($"<a href=\"{files}/files/docs%2Fref.md/raw?ref={commit}\">ref</a>", html);
        Assert.Contains("<a href=\"https://example.com/x.md\">home</a>", html);
        Assert.Contains("<a href=\"#stamp\">top</a>", html);
        Assert.Contains("<a href=\"mailto:a@example.com\">mail</a>", html);
        // The rewritten image URL is the real raw-file endpoint and serves the file as published.
        Assert.Equal("<svg>v1</svg>", await developer.GetStringAsync($"{files}/files/img%2Fplot.svg/raw?ref={commit}&lfs=true"));
    }

    [Theory]
    [InlineData("a/b.md", false, "", "/api/v1/projects/g%2Fsub/p/repository/files/a%2Fb.md/raw?ref=c0ffee")]
    [InlineData("../../b.md", false, "docs", "/api/v1/projects/g%2Fsub/p/repository/files/b.md/raw?ref=c0ffee")]
    [InlineData("x.png?raw=1", true, "docs", "/api/v1/projects/g%2Fsub/p/repository/files/docs%2Fx.png/raw?ref=c0ffee&lfs=true")]
    [InlineData("my%20file.md", false, "", "/api/v1/projects/g%2Fsub/p/repository/files/my%20file.md/raw?ref=c0ffee")]
    [InlineData("./", false, "", "/api/v1/projects/g%2Fsub/p/repository/tree?ref=c0ffee")]
    [InlineData("//cdn.example.com/x.png", true, "", null)]
    [InlineData("HTTPS://example.com", false, "", null)]
    [InlineData("#anchor", false, "", null)]
    public void ReadmeLinks_Rewrite(string url, bool image, string directory, string? expected) =>
        Assert.Equal(expected, new ReadmeLinks("g/sub/p", "c0ffee", directory).Rewrite(url, image));

    [Fact]
    public async Task Anonymous_ReadsPublicOperationsButMayNotPublishStarOrRun()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        using var anonymous = server.Anonymous();

        var page = await anonymous.GetAsync($"/api/v1/operations/{owner}/sklearn-train");
        var publish = await anonymous.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = "v1", version = "2.0.0" });
        var star = await anonymous.PutAsync($"/api/v1/operations/{owner}/sklearn-train/star", null);
        var run = await anonymous.PostAsJsonAsync($"/api/v1/operations/{owner}/sklearn-train/1.0.0/runs", new { project = repo });

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, publish.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, star.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, run.StatusCode);
    }
}
