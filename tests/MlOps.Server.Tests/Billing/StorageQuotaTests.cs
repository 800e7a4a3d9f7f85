using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Billing;

/// <summary>The storage quota at the door: a push or an LFS upload that would exceed it is refused with the reason.</summary>
public sealed class StorageQuotaTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task Push_OverStorageQuota_RefusedWithRemoteMessageAndRefUnchanged()
    {
        var repo = await server.ArrangeAsync();
        var group = repo[..repo.IndexOf('/')];
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        var tip = await git.OkAsync(work, "rev-parse", "HEAD");
        await SetQuotaAsync(group, 10_000);
        await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "weights.bin"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(200_000));
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "weights");

        var refused = await git.RunAsync(work, "push", server.Url(repo, GitServer.Maintainer), "main");
        var remote = await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Maintainer), "refs/heads/main");
        await SetQuotaAsync(group, 100_000_000);
        var accepted = await git.RunAsync(work, "push", server.Url(repo, GitServer.Maintainer), "main");

        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("remote: MlOps: storage quota exceeded: this push adds ", refused.Stderr);
        Assert.Contains($"and '{group}' already stores ", refused.Stderr);
        Assert.Contains("Delete data or ask an administrator to raise the quota.", refused.Stderr);
        Assert.StartsWith(tip, remote);
        Assert.Equal(0, accepted.ExitCode);
    }

    [Fact]
    public async Task LfsBatchUpload_OverStorageQuota_507WithTheReason()
    {
        var repo = await server.ArrangeAsync();
        var group = repo[..repo.IndexOf('/')];
        await SetQuotaAsync(group, 1_000_000);
        using var http = server.Http(GitServer.Developer);

        var small = await http.SendAsync(LfsTests.BatchRequest(repo, "upload", (new string('1', 64), 400_000)));
        var large = await http.SendAsync(LfsTests.BatchRequest(repo, "upload", (new string('2', 64), 700_000), (new string('3', 64), 400_000)));

        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
        Assert.Equal((HttpStatusCode)507, large.StatusCode);
        var message = (await GitServer.Read(large)).GetProperty("message").GetString();
        Assert.Equal($"storage quota exceeded: these LFS objects add 1.1 MB, and '{group}' already stores 0 bytes of its 1 MB quota. " +
            "Delete data or ask an administrator to raise the quota.", message);
    }

    private async Task SetQuotaAsync(string client, long bytes)
    {
        using var admin = server.Admin();
        await GitServer.Ensure(await admin.PutAsJsonAsync($"/api/v1/clients/{client}/quota", new { storage_bytes = bytes }));
    }
}
