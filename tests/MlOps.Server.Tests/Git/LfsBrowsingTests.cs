using System.Security.Cryptography;

namespace MlOps.Server.Tests.Git;

/// <summary>What a data scientist sees of large files: sizes in the tree, LFS pointers resolved to their objects' sizes, the project's LFS objects.</summary>
public sealed class LfsBrowsingTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    /// <summary>Pushes README.md, data/small.csv and <paramref name="lfsFiles"/> LFS files data/m{i}.bin; returns their oids and sizes.</summary>
    private async Task<List<(string Oid, long Size)>> PushAsync(string repo, int lfsFiles)
    {
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        Directory.CreateDirectory(Path.Combine(git.PathOf(work), "data"));
        await File.WriteAllTextAsync(Path.Combine(git.PathOf(work), "data", "small.csv"), "a,b\n1,2\n");
        var objects = new List<(string, long)>();
        for (var i = 0; i < lfsFiles; i++)
        {
            var bytes = RandomNumberGenerator.GetBytes(50_000 + i);
            await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "data", $"m{i}.bin"), bytes);
            objects.Add((Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length));
        }
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "data");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        return objects;
    }

    [Fact]
    public async Task Tree_LfsAndPlainFiles_ShowSizesAndTheObjectsRealSize()
    {
        var repo = await server.ArrangeAsync();
        var objects = await PushAsync(repo, 1);
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);

        var root = await MlOpsServer.Ensure(await reporter.GetAsync(GitServer.Api(repo) + "/repository/tree"));
        var data = await MlOpsServer.Ensure(await reporter.GetAsync(GitServer.Api(repo) + "/repository/tree?path=data"));

        var dir = root.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "data");
        Assert.Equal(JsonValueKind.Null, dir.GetProperty("size").ValueKind);
        var csv = data.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "small.csv");
        Assert.Equal(8, csv.GetProperty("size").GetInt64());
        Assert.Equal(JsonValueKind.Null, csv.GetProperty("lfs").ValueKind);
        var model = data.EnumerateArray().Single(e => e.GetProperty("name").GetString() == "m0.bin");
        Assert.InRange(model.GetProperty("size").GetInt64(), 100, 200);
        Assert.Equal(objects[0].Oid, model.GetProperty("lfs").GetProperty("oid").GetString());
        Assert.Equal(objects[0].Size, model.GetProperty("lfs").GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task LfsObjects_AfterLfsPush_ListedWithSizesPageByPage()
    {
        var repo = await server.ArrangeAsync();
        var objects = await PushAsync(repo, 3);
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);
        var url = GitServer.Api(repo) + "/lfs_objects";

        var page1 = await MlOpsServer.Ensure(await reporter.GetAsync(url + "?per_page=2"));
        var page2 = await MlOpsServer.Ensure(await reporter.GetAsync(url + "?per_page=2&cursor=" + page1.GetProperty("next_cursor").GetString()));

        var listed = page1.GetProperty("items").EnumerateArray().Concat(page2.GetProperty("items").EnumerateArray())
            .Select(o => (o.GetProperty("oid").GetString()!, o.GetProperty("size").GetInt64())).ToList();
        Assert.Equal(objects.OrderBy(o => o.Oid, StringComparer.Ordinal).ToList(), listed);
        Assert.Equal(JsonValueKind.Null, page2.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task LfsObjects_OutsiderOnPrivateProject_LooksLikeNoProject()
    {
        var repo = await server.ArrangeAsync();
        using var outsider = server.As(server.Tokens[GitServer.Outsider]);

        var hidden = await outsider.GetAsync(GitServer.Api(repo) + "/lfs_objects");
        var absent = await outsider.GetAsync(GitServer.Api(repo[..repo.IndexOf('/')] + "/nothing-here") + "/lfs_objects");

        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, absent.StatusCode);
        Assert.Equal("application/problem+json", hidden.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task LfsObjects_BadCursor_BadRequestNamingTheField()
    {
        var repo = await server.ArrangeAsync();
        using var reporter = server.As(server.Tokens[GitServer.Reporter]);

        var response = await reporter.GetAsync(GitServer.Api(repo) + "/lfs_objects?cursor=../../etc");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await MlOpsServer.Read(response);
        Assert.Equal("The cursor is not one this server returned.", problem.GetProperty("errors").GetProperty("cursor")[0].GetString());
    }
}
