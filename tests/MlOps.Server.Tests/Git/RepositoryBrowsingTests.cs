using System.Security.Cryptography;

namespace MlOps.Server.Tests.Git;

/// <summary>The repository API: branches, tags, commits (paged), tree and raw files, in GitLab's shapes.</summary>
public sealed class RepositoryBrowsingTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task BranchesTagsAndCommits_AfterPush_MatchTheRepository()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        var shas = new List<string> { await git.OkAsync(work, "rev-parse", "HEAD") };
        for (var i = 1; i < 25; i++)
        {
            shas.Add(await git.CommitAsync(work, "n.txt", i.ToString(), $"commit {i}"));
        }
        await git.OkAsync(work, "tag", "-a", "v1.0", "-m", "release 1.0");
        await git.OkAsync(work, "push", "-q", "--follow-tags", server.Url(repo, GitServer.Maintainer), "main", "main:topic");
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);
        var api = GitServer.Api(repo) + "/repository";

        var branches = await MlOpsServer.Ensure(await reporter.GetAsync($"{api}/branches"));
        var tags = await MlOpsServer.Ensure(await reporter.GetAsync($"{api}/tags"));
        var page1 = await MlOpsServer.Ensure(await reporter.GetAsync($"{api}/commits?per_page=20"));
        var page2 = await MlOpsServer.Ensure(await reporter.GetAsync(
            $"{api}/commits?per_page=20&cursor={page1.GetProperty("next_cursor").GetString()}"));

        Assert.Equal(["main", "topic"], branches.EnumerateArray().Select(b => b.GetProperty("name").GetString()!).ToArray());
        Assert.True(branches[0].GetProperty("protected").GetBoolean());
        Assert.True(branches[0].GetProperty("default").GetBoolean());
        Assert.False(branches[1].GetProperty("protected").GetBoolean());
        Assert.Equal(shas[^1], branches[0].GetProperty("commit").GetProperty("id").GetString());
        Assert.Equal("v1.0", tags[0].GetProperty("name").GetString());
        Assert.Equal("release 1.0\n", tags[0].GetProperty("message").GetString());
        Assert.Equal(shas[^1], tags[0].GetProperty("commit").GetProperty("id").GetString());
        var listed = page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray())
            .Select(c => c.GetProperty("id").GetString()!).ToList();
        Assert.Equal(Enumerable.Reverse(shas).ToList(), listed);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next_cursor").ValueKind);
        Assert.Equal("commit 24", page1.GetProperty("items")[0].GetProperty("title").GetString());
        Assert.Equal(shas[^2], page1.GetProperty("items")[0].GetProperty("parent_ids")[0].GetString());
    }

    [Fact]
    public async Task TreeAndRawFile_AtARef_ReturnEntriesAndBytes()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work", "v1\n");
        var first = await git.OkAsync(work, "rev-parse", "HEAD");
        await git.CommitAsync(work, "data/iris.csv", "a,b\n1,2\n", "data");
        await git.CommitAsync(work, "README.md", "v2\n", "v2");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);
        var api = GitServer.Api(repo) + "/repository";

        var root = await MlOpsServer.Ensure(await reporter.GetAsync($"{api}/tree"));
        var data = await MlOpsServer.Ensure(await reporter.GetAsync($"{api}/tree?path=data&ref=main"));
        var current = await reporter.GetStringAsync($"{api}/files/README.md/raw");
        var old = await reporter.GetStringAsync($"{api}/files/README.md/raw?ref={first}");
        var nested = await reporter.GetStringAsync($"{api}/files/data%2Firis.csv/raw?ref=main");
        var missing = await reporter.GetAsync($"{api}/files/nope.txt/raw");
        var badRef = await reporter.GetAsync($"{api}/tree?ref=no-such-branch");

        Assert.Equal([("README.md", "blob"), ("data", "tree")],
            root.EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("type").GetString())).ToArray());
        Assert.Equal("data/iris.csv", data[0].GetProperty("path").GetString());
        Assert.Equal("100644", data[0].GetProperty("mode").GetString());
        Assert.Equal("v2\n", current);
        Assert.Equal("v1\n", old);
        Assert.Equal("a,b\n1,2\n", nested);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, badRef.StatusCode);
    }

    [Fact]
    public async Task RawFile_LfsPointerWithLfsTrue_ReturnsTheObject()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        var bytes = RandomNumberGenerator.GetBytes(300_000);
        await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "model.bin"), bytes);
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "model");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);
        var api = GitServer.Api(repo) + "/repository";

        var pointer = await reporter.GetStringAsync($"{api}/files/model.bin/raw");
        var resolved = await reporter.GetByteArrayAsync($"{api}/files/model.bin/raw?lfs=true");

        Assert.StartsWith("version https://git-lfs.github.com/spec/v1", pointer);
        Assert.Equal(bytes, resolved);
    }

    [Fact]
    public async Task ChangeDefaultBranch_CloneChecksOutTheNewOne()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main", "main:develop");
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);

        await MlOpsServer.Ensure(await maintainer.PatchAsJsonAsync(GitServer.Api(repo), new { default_branch = "develop" }));
        await git.OkAsync(null, "clone", "-q", server.Url(repo, GitServer.Reporter), "clone");

        Assert.Equal("develop", await git.OkAsync("clone", "branch", "--show-current"));
    }

    [Fact]
    public async Task RawFile_LargerThanTheInlineLimit_StreamsTheExactBytes()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "weights.raw"), bytes);
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "weights");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);

        var raw = await reporter.GetByteArrayAsync(GitServer.Api(repo) + "/repository/files/weights.raw/raw");

        Assert.Equal(bytes, raw);
    }

    [Fact]
    public async Task Browse_OutsiderOnPrivateProject_NotFound()
    {
        var repo = await server.ArrangeAsync();
        using var outsider = server.As(server.Tokens[GitServer.Outsider]);

        var response = await outsider.GetAsync(GitServer.Api(repo) + "/repository/branches");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DeleteProject_RemovesItsRepositoryFromDisk()
    {
        var repo = await server.ArrangeAsync();
        using var admin = server.Admin();
        var id = (await server.GetJsonAsync(GitServer.Api(repo))).GetProperty("id").GetInt64();
        var path = Path.Combine(server.DataDir, "repositories", (id % 100).ToString("00"), $"{id}.git");
        Assert.True(Directory.Exists(path));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync(GitServer.Api(repo))).StatusCode);

        Assert.False(Directory.Exists(path));
    }
}
