using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace MlOps.Server.Tests.Git;

/// <summary>Git LFS with the real `git-lfs` client and raw batch API calls.</summary>
public sealed class LfsTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task LfsPush_200MegabyteDataset_ClonesBackWithSameChecksum()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        var dataset = Path.Combine(git.PathOf(work), "data", "dataset.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(dataset)!);
        var expected = await WriteRandomAsync(dataset, 200L * 1024 * 1024);
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "dataset");

        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        await git.OkAsync(null, "clone", "-q", server.Url(repo, GitServer.Reporter), "clone");

        await using (var cloned = File.OpenRead(Path.Combine(git.PathOf("clone"), "data", "dataset.bin")))
        {
            Assert.Equal(expected, Convert.ToHexStringLower(await SHA256.HashDataAsync(cloned)));
        }
        var project = await server.GetJsonAsync(GitServer.Api(repo));
        Assert.Equal(200L * 1024 * 1024, project.GetProperty("statistics").GetProperty("lfs_objects_size").GetInt64());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDir, "lfs", "tmp")));
    }

    [Fact]
    public async Task Batch_InvalidOidsAndUnknownObjects_PerObjectErrors()
    {
        var repo = await server.ArrangeAsync();
        using var http = server.Http(GitServer.Developer);

        var upload = await BatchAsync(http, repo, "upload", ("../../etc/passwd", 1), (new string('A', 64), 1), ("abc", 1));
        var download = await BatchAsync(http, repo, "download", (new string('a', 64), 5));

        foreach (var o in upload.GetProperty("objects").EnumerateArray())
        {
            Assert.Equal(422, o.GetProperty("error").GetProperty("code").GetInt32());
            Assert.Contains("64 lowercase hexadecimal", o.GetProperty("error").GetProperty("message").GetString());
        }
        Assert.Equal(404, download.GetProperty("objects")[0].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Upload_BytesDoNotMatchOid_422AndNothingStored()
    {
        var repo = await server.ArrangeAsync();
        using var http = server.Http(GitServer.Developer);
        var claimed = Convert.ToHexStringLower(SHA256.HashData("the real bytes"u8));

        var response = await http.PutAsync($"/{repo}.git/info/lfs/objects/{claimed}", new ByteArrayContent("other bytes"u8.ToArray()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("not the oid", await response.Content.ReadAsStringAsync());
        Assert.False(File.Exists(Path.Combine(server.DataDir, "lfs", "objects", claimed[..2], claimed[2..4], claimed)));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(server.DataDir, "lfs", "tmp")));
        var download = await BatchAsync(http, repo, "download", (claimed, 14));
        Assert.Equal(404, download.GetProperty("objects")[0].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("..%2F..%2F..%2Fsecret.key")]
    [InlineData("%2e%2e")]
    [InlineData("ABCDEF0000000000000000000000000000000000000000000000000000000000")]
    public async Task ObjectTransfer_OidThatIsNotLowercaseSha256_422(string oid)
    {
        var repo = await server.ArrangeAsync();
        using var http = server.Http(GitServer.Developer);

        var put = await http.PutAsync($"/{repo}.git/info/lfs/objects/{oid}", new ByteArrayContent([1, 2, 3]));
        var get = await http.GetAsync($"/{repo}.git/info/lfs/objects/{oid}");

        Assert.True(put.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.NotFound, put.StatusCode.ToString());
        Assert.True(get.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.NotFound, get.StatusCode.ToString());
    }

    [Fact]
    public async Task Download_ObjectOfAnotherProject_NotOffered()
    {
        var mine = await server.ArrangeAsync();
        var theirs = await server.ArrangeAsync();
        using var http = server.Http(GitServer.Developer);
        var bytes = RandomNumberGenerator.GetBytes(1000);
        var oid = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"/{theirs}.git/info/lfs/objects/{oid}", new ByteArrayContent(bytes))).StatusCode);

        var batch = await BatchAsync(http, mine, "download", (oid, 1000));
        var direct = await http.GetAsync($"/{mine}.git/info/lfs/objects/{oid}");
        var upload = await BatchAsync(http, mine, "upload", (oid, 1000));

        Assert.Equal(404, batch.GetProperty("objects")[0].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, direct.StatusCode);
        // The other project must prove it has the bytes before it may read them.
        Assert.True(upload.GetProperty("objects")[0].GetProperty("actions").TryGetProperty("upload", out _));
    }

    [Fact]
    public async Task Upload_SameObjectToTwoProjectsOfAGroup_CountedOncePerNamespace()
    {
        var first = await server.ArrangeAsync();
        var group = first[..first.IndexOf('/')];
        using (var admin = server.Admin())
        {
            await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "q" }));
        }
        using var http = server.Http(GitServer.Maintainer);
        var bytes = RandomNumberGenerator.GetBytes(4096);
        var oid = Convert.ToHexStringLower(SHA256.HashData(bytes));

        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"/{first}.git/info/lfs/objects/{oid}", new ByteArrayContent(bytes))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PutAsync($"/{group}/q.git/info/lfs/objects/{oid}", new ByteArrayContent(bytes))).StatusCode);
        // An upload counts once a pushed ref reaches it: push the pointer to both projects.
        var work = await git.InitAsync("work");
        await git.CommitAsync(work, "data.bin", $"version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 4096\n", "pointer");
        await git.OkAsync(work, "push", "-q", server.Url(first, GitServer.Maintainer), "main");
        await git.OkAsync(work, "push", "-q", server.Url($"{group}/q", GitServer.Maintainer), "main");

        await using var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString);
        var bytesStored = await Dapper.SqlMapper.QuerySingleAsync<long>(connection,
            "SELECT lfs_bytes FROM namespace_lfs_storage WHERE full_path = @group", new { group });
        Assert.Equal(4096, bytesStored);
        Assert.Equal(4096, (await server.GetJsonAsync(GitServer.Api($"{group}/q"))).GetProperty("statistics")
            .GetProperty("lfs_objects_size").GetInt64());
    }

    [Fact]
    public async Task Batch_ReporterUploadOrAnonymous_Refused()
    {
        var repo = await server.ArrangeAsync();
        using var reporter = server.Http(GitServer.Reporter);
        using var anonymous = server.Http();

        var upload = await reporter.SendAsync(BatchRequest(repo, "upload", (new string('a', 64), 1)));
        var anonymousDownload = await anonymous.SendAsync(BatchRequest(repo, "download", (new string('a', 64), 1)));

        Assert.Equal(HttpStatusCode.Forbidden, upload.StatusCode);
        Assert.Equal("application/vnd.git-lfs+json", upload.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not allowed to push", await upload.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousDownload.StatusCode);
        Assert.Equal("Basic realm=\"MlOps\"", anonymousDownload.Headers.GetValues("LFS-Authenticate").Single());
    }

    internal static HttpRequestMessage BatchRequest(string repo, string operation, params (string Oid, long Size)[] objects)
    {
        var body = JsonSerializer.Serialize(new
        {
            operation, transfers = new[] { "basic" }, objects = objects.Select(o => new { oid = o.Oid, size = o.Size }),
        });
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.git-lfs+json");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/{repo}.git/info/lfs/objects/batch") { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/vnd.git-lfs+json"));
        return request;
    }

    internal static async Task<JsonElement> BatchAsync(HttpClient http, string repo, string operation,
        params (string Oid, long Size)[] objects)
    {
        var response = await http.SendAsync(BatchRequest(repo, operation, objects));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"batch answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Writes <paramref name="size"/> random bytes; returns their SHA-256.</summary>
    internal static async Task<string> WriteRandomAsync(string path, long size)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        await using var file = File.Create(path);
        for (long written = 0; written < size; written += buffer.Length)
        {
            var chunk = (int)Math.Min(buffer.Length, size - written);
            Random.Shared.NextBytes(buffer.AsSpan(0, chunk));
            hash.AppendData(buffer, 0, chunk);
            await file.WriteAsync(buffer.AsMemory(0, chunk));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>A server whose per-object LFS limit is 1 MiB.</summary>
public sealed class SmallLfsLimitServer : GitServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Lfs:MaxObjectBytes"] = "1048576" };
}

public sealed class LfsLimitTests(SmallLfsLimitServer server) : IClassFixture<SmallLfsLimitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task Push_ObjectOverTheLimit_RefusedWithMessageAndNothingChanges()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        await LfsTests.WriteRandomAsync(Path.Combine(git.PathOf(work), "big.bin"), 2 * 1024 * 1024);
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "big");
        var before = await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter), "refs/heads/main");

        var push = await git.RunAsync(work, "push", server.Url(repo, GitServer.Maintainer), "main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("the limit per object is 1048576 bytes", push.Output);
        Assert.Equal(before, await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter), "refs/heads/main"));
    }

    [Fact]
    public async Task Put_BodyOverTheLimit_413AndNothingStored()
    {
        var repo = await server.ArrangeAsync();
        using var http = server.Http(GitServer.Developer);
        var bytes = new byte[1024 * 1024 + 1];
        var oid = Convert.ToHexStringLower(SHA256.HashData(bytes));

        var response = await http.PutAsync($"/{repo}.git/info/lfs/objects/{oid}", new ByteArrayContent(bytes));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.False(File.Exists(Path.Combine(server.DataDir, "lfs", "objects", oid[..2], oid[2..4], oid)));
    }
}
