namespace MlOps.Server.Tests.Git;

/// <summary>Clone, push and fetch with the real `git` client over smart HTTP.</summary>
public sealed class GitHttpTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task PushCloneFetch_Developer_RoundTripsCommitsAndRecordsPushEvents()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        var first = await git.OkAsync(work, "rev-parse", "HEAD");

        await git.OkAsync(work, "push", server.Url(repo, GitServer.Developer), "main:feature");
        await git.OkAsync(null, "clone", "-q", "-b", "feature", server.Url(repo, GitServer.Reporter), "clone");
        var second = await git.CommitAsync(work, "data/iris.csv", "a,b\n1,2\n", "add data");
        await git.OkAsync(work, "push", server.Url(repo, GitServer.Developer), "main:feature");
        await git.OkAsync("clone", "pull", "-q");

        Assert.Equal(second, await git.OkAsync("clone", "rev-parse", "HEAD"));
        Assert.Equal("a,b\n1,2\n", await File.ReadAllTextAsync(Path.Combine(git.PathOf("clone"), "data", "iris.csv")));
        var events = (await server.GetJsonAsync(GitServer.Api(repo) + "/push_events")).GetProperty("items");
        Assert.Equal(2, events.GetArrayLength());
        Assert.Equal("refs/heads/feature", events[0].GetProperty("ref").GetString());
        Assert.Equal(new string('0', 40), events[0].GetProperty("before").GetString());
        Assert.Equal(first, events[0].GetProperty("after").GetString());
        Assert.Equal(first, events[1].GetProperty("before").GetString());
        Assert.Equal(second, events[1].GetProperty("after").GetString());
        Assert.Equal(GitServer.Developer, events[1].GetProperty("pusher_username").GetString());
        Assert.Equal("embedded", events[1].GetProperty("source").GetString());
        var project = await server.GetJsonAsync(GitServer.Api(repo));
        Assert.True(project.GetProperty("statistics").GetProperty("repository_size").GetInt64() > 0);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1")]
    [InlineData("2")]
    public async Task Clone_EachProtocolVersion_GetsHistory(string version)
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.CommitAsync(work, "b.txt", "b", "second");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");

        await git.OkAsync(null, "-c", $"protocol.version={version}", "clone", "-q", server.Url(repo, GitServer.Reporter), "clone");

        Assert.Equal("2", await git.OkAsync("clone", "rev-list", "--count", "HEAD"));
    }

    [Fact]
    public async Task ShallowClone_Depth1_HasOnlyTheTipAndCanFetchMore()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        for (var i = 0; i < 5; i++)
        {
            await git.CommitAsync(work, "n.txt", i.ToString(), $"commit {i}");
        }
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");

        await git.OkAsync(null, "clone", "-q", "--depth", "1", server.Url(repo, GitServer.Reporter), "shallow");
        Assert.Equal("1", await git.OkAsync("shallow", "rev-list", "--count", "HEAD"));
        await git.OkAsync("shallow", "fetch", "-q", "--deepen", "2");

        Assert.Equal("3", await git.OkAsync("shallow", "rev-list", "--count", "HEAD"));
    }

    [Fact]
    public async Task ConcurrentPushes_DifferentBranches_AllLandWithOneEventEach()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("base");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        const int clients = 6;
        var tips = new string[clients];
        for (var i = 0; i < clients; i++)
        {
            await git.OkAsync(null, "clone", "-q", server.Url(repo, GitServer.Developer), $"c{i}");
            tips[i] = await git.CommitAsync($"c{i}", $"file{i}.txt", new string('x', 10_000 + i), $"client {i}");
        }

        await Task.WhenAll(Enumerable.Range(0, clients).Select(i =>
            git.OkAsync($"c{i}", "push", "-q", "origin", $"HEAD:refs/heads/topic-{i}")));

        var remote = await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter));
        for (var i = 0; i < clients; i++)
        {
            Assert.Contains($"{tips[i]}\trefs/heads/topic-{i}", remote);
        }
        var events = (await server.GetJsonAsync(GitServer.Api(repo) + "/push_events?per_page=100")).GetProperty("items");
        Assert.Equal(clients + 1, events.GetArrayLength());
        await git.OkAsync("c0", "fsck", "--no-progress");
    }

    [Fact]
    public async Task Push_ManyObjects_RepositoryIsRepackedWithABitmapInTheBackground()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        // More than receive.unpackLimit (100) objects, so the push arrives as a pack.
        for (var i = 0; i < 150; i++)
        {
            await File.WriteAllTextAsync(Path.Combine(git.PathOf(work), $"f{i}.txt"), $"file {i}\n");
        }
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "many files");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        var id = (await server.GetJsonAsync(GitServer.Api(repo))).GetProperty("id").GetInt64();
        var pack = Path.Combine(server.DataDir, "repositories", (id % 100).ToString("00"), $"{id}.git", "objects", "pack");

        // Done when a bitmap is there and git's in-progress files (".tmp-<pid>-pack-…", renamed at
        // the end, a ".bitmap" among them) are gone: seen mid-rename, there would be two bitmaps.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((!Directory.EnumerateFiles(pack, "*.bitmap").Any() || Directory.EnumerateFiles(pack, ".tmp-*").Any())
               && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Single(Directory.GetFiles(pack, "*.bitmap"));
        Assert.Single(Directory.GetFiles(pack, "*.pack"));
        await git.OkAsync(null, "clone", "-q", server.Url(repo, GitServer.Reporter), "clone");
    }

    [Fact]
    public async Task Push_MaintainerForcePushToUnprotectedBranch_Accepted()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.CommitAsync(work, "a.txt", "a", "a");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Developer), "HEAD:topic");
        await git.OkAsync(work, "reset", "-q", "--hard", "HEAD~1");
        var rewritten = await git.CommitAsync(work, "b.txt", "b", "b");

        await git.OkAsync(work, "push", "-q", "-f", server.Url(repo, GitServer.Developer), "HEAD:topic");

        Assert.StartsWith(rewritten, await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter), "refs/heads/topic"));
    }
}
