using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Git;
using Npgsql;

namespace MlOps.Server.Tests.Git;

/// <summary>What LFS objects count toward storage: those a ref reaches, never those of a refused push.</summary>
public sealed class LfsStorageTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    /// <summary>A repository with a first commit on protected `main`, and a local commit on top that adds a 64 KiB LFS file.</summary>
    private async Task<(string Repo, string Oid)> ArrangeLfsCommitAsync()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        await git.OkAsync(work, "lfs", "install", "--local");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "data.bin"), bytes);
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "dataset");
        return (repo, Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    private string ObjectPath(string oid) => Path.Combine(server.DataDir, "lfs", "objects", oid[..2], oid[2..4], oid);

    private async Task<long> LfsSizeAsync(string repo) =>
        (await server.GetJsonAsync(GitServer.Api(repo))).GetProperty("statistics").GetProperty("lfs_objects_size").GetInt64();

    private async Task<long> ClientBytesAsync(string repo)
    {
        await using var connection = new NpgsqlConnection(server.Database.ConnectionString);
        return await connection.QuerySingleAsync<long>("SELECT lfs_bytes FROM namespace_lfs_storage WHERE full_path = @group",
            new { group = repo[..repo.IndexOf('/')] });
    }

    [Fact]
    public async Task Push_RefusedByBranchProtection_UploadedObjectsNotCounted()
    {
        var (repo, oid) = await ArrangeLfsCommitAsync();

        var push = await git.RunAsync("work", "push", server.Url(repo, GitServer.Developer), "main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("You are not allowed to push to the protected branch 'main'", push.Stderr);
        Assert.True(File.Exists(ObjectPath(oid)), "git-lfs uploads before the refs are sent, so the object is on disk");
        Assert.Equal(0, await LfsSizeAsync(repo));
        Assert.Equal(0, await ClientBytesAsync(repo));
    }

    [Fact]
    public async Task Push_AcceptedAfterARefusedOne_ObjectCountedOnce()
    {
        var (repo, _) = await ArrangeLfsCommitAsync();
        await git.RunAsync("work", "push", server.Url(repo, GitServer.Developer), "main");

        await git.OkAsync("work", "push", "-q", server.Url(repo, GitServer.Developer), "main:topic");

        Assert.Equal(64 * 1024, await LfsSizeAsync(repo));
        Assert.Equal(64 * 1024, await ClientBytesAsync(repo));
    }

    [Fact]
    public async Task Housekeeping_AfterGracePeriod_CollectsRefusedObjectsAndCountsReachedOnes()
    {
        var (refused, refusedOid) = await ArrangeLfsCommitAsync();
        await git.RunAsync("work", "push", server.Url(refused, GitServer.Developer), "main");
        // A pointer pushed without its object (git-lfs skipped), the object uploaded afterwards.
        var late = await server.ArrangeAsync();
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var lateOid = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var other = await git.InitAsync("other");
        await git.CommitAsync(other, "late.bin", $"version https://git-lfs.github.com/spec/v1\noid sha256:{lateOid}\nsize 1000\n", "pointer");
        await git.OkAsync(other, "push", "-q", server.Url(late, GitServer.Maintainer), "main");
        using var http = server.Http(GitServer.Maintainer);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"/{late}.git/info/lfs/objects/{lateOid}", new ByteArrayContent(bytes))).StatusCode);
        await using (var connection = new NpgsqlConnection(server.Database.ConnectionString))
        {
            // Past the grace period, as if a day had gone by.
            await connection.ExecuteAsync(
                """
                UPDATE project_lfs_objects SET created_at = now() - interval '2 days' WHERE oid = ANY (@oids);
                UPDATE lfs_objects SET created_at = now() - interval '2 days' WHERE oid = ANY (@oids);
                """, new { oids = new[] { refusedOid, lateOid } });
        }
        Assert.Equal(0, await LfsSizeAsync(late));

        await server.Services.GetRequiredService<LfsHousekeeping>().CollectAsync(CancellationToken.None);

        Assert.False(File.Exists(ObjectPath(refusedOid)));
        Assert.Equal(0, await LfsSizeAsync(refused));
        Assert.True(File.Exists(ObjectPath(lateOid)));
        Assert.Equal(1000, await LfsSizeAsync(late));
    }
}
