using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;

namespace MlOps.Server.Tests.Git;

/// <summary>Every refusal over Git HTTP: the client is told why, and the repository is unchanged.</summary>
public sealed class GitRefusalTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private async Task<(string Repo, string Tip)> ArrangeWithCommitAsync(string visibility = "private")
    {
        var repo = await server.ArrangeAsync(visibility);
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        return (repo, await git.OkAsync(work, "rev-parse", "HEAD"));
    }

    [Fact]
    public async Task InfoRefs_AnonymousOnPrivateOrMissingRepo_401WithBasicChallenge()
    {
        var (repo, _) = await ArrangeWithCommitAsync();
        using var http = server.Http();

        var existing = await http.GetAsync($"/{repo}.git/info/refs?service=git-upload-pack");
        var missing = await http.GetAsync("/nobody/nothing.git/info/refs?service=git-upload-pack");

        foreach (var response in new[] { existing, missing })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic realm=\"MlOps\"", response.Headers.WwwAuthenticate.ToString());
        }
        var clone = await git.RunAsync(null, "clone", GitCli.Url(server.BaseAddress, repo), "anon");
        Assert.NotEqual(0, clone.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(git.PathOf("anon"), ".git", "objects", "pack")) &&
            Directory.EnumerateFiles(Path.Combine(git.PathOf("anon"), ".git", "objects", "pack")).Any());
    }

    [Fact]
    public async Task Clone_WrongToken_AuthenticationFailed()
    {
        var (repo, _) = await ArrangeWithCommitAsync();

        var clone = await git.RunAsync(null, "clone", GitCli.Url(server.BaseAddress, repo, GitServer.Maintainer, "mlpat-wrong"), "bad");

        Assert.NotEqual(0, clone.ExitCode);
        Assert.Contains("Authentication failed", clone.Stderr);
    }

    [Fact]
    public async Task Clone_OutsiderOnPrivateRepo_NotFound()
    {
        var (repo, _) = await ArrangeWithCommitAsync();

        var clone = await git.RunAsync(null, "clone", server.Url(repo, GitServer.Outsider), "out");

        Assert.NotEqual(0, clone.ExitCode);
        Assert.Contains("could not be found", clone.Stderr);
        using var http = server.Http(GitServer.Outsider);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/{repo}.git/info/refs?service=git-upload-pack")).StatusCode);
    }

    [Fact]
    public async Task Clone_AnonymousOnPublicRepo_Works()
    {
        var (repo, tip) = await ArrangeWithCommitAsync("public");

        await git.OkAsync(null, "clone", "-q", GitCli.Url(server.BaseAddress, repo), "anon");

        Assert.Equal(tip, await git.OkAsync("anon", "rev-parse", "HEAD"));
        var push = await git.RunAsync("anon", "push", "origin", "HEAD:refs/heads/x");
        Assert.NotEqual(0, push.ExitCode);
    }

    [Fact]
    public async Task Push_Reporter_403WithMessageAndNothingChanges()
    {
        var (repo, tip) = await ArrangeWithCommitAsync();
        await git.CommitAsync("work", "x.txt", "x", "x");

        var push = await git.RunAsync("work", "push", server.Url(repo, GitServer.Reporter), "HEAD:refs/heads/reporter");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("You are not allowed to push code", push.Stderr);
        Assert.Equal($"{tip}\tHEAD\n{tip}\trefs/heads/main",
            await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter)));
    }

    [Fact]
    public async Task Push_TokenWithoutWriteScope_403()
    {
        var (repo, _) = await ArrangeWithCommitAsync();
        var readOnly = await server.CreateTokenAsync(GitServer.Maintainer, ["read_repository"]);
        await git.CommitAsync("work", "x.txt", "x", "x");

        var push = await git.RunAsync("work", "push", GitCli.Url(server.BaseAddress, repo, GitServer.Maintainer, readOnly),
            "HEAD:refs/heads/x");
        await git.OkAsync(null, "clone", "-q", GitCli.Url(server.BaseAddress, repo, GitServer.Maintainer, readOnly), "ro");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("lacks the 'write_repository' scope", push.Stderr);
    }

    [Fact]
    public async Task Push_ForcePushToProtectedBranch_RefusedWithMessageAndRefUnchanged()
    {
        var (repo, tip) = await ArrangeWithCommitAsync();
        await git.OkAsync("work", "commit", "-q", "--amend", "-m", "rewritten");

        var push = await git.RunAsync("work", "push", "-f", server.Url(repo, GitServer.Maintainer), "main");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("remote: MlOps: You cannot force-push to the protected branch 'main'", push.Stderr);
        Assert.Contains("! [remote rejected] main -> main (pre-receive hook declined)", push.Stderr);
        Assert.StartsWith(tip, await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter), "refs/heads/main"));
        var events = (await server.GetJsonAsync(GitServer.Api(repo) + "/push_events")).GetProperty("items");
        Assert.Equal(1, events.GetArrayLength());
    }

    [Fact]
    public async Task Push_DeveloperToProtectedBranch_RefusedButMaintainerMayFastForward()
    {
        var (repo, _) = await ArrangeWithCommitAsync();
        var next = await git.CommitAsync("work", "y.txt", "y", "y");

        var developer = await git.RunAsync("work", "push", server.Url(repo, GitServer.Developer), "main");
        var delete = await git.RunAsync("work", "push", server.Url(repo, GitServer.Maintainer), ":main");
        await git.OkAsync("work", "push", "-q", server.Url(repo, GitServer.Maintainer), "main");

        Assert.NotEqual(0, developer.ExitCode);
        Assert.Contains("You are not allowed to push to the protected branch 'main'", developer.Stderr);
        Assert.NotEqual(0, delete.ExitCode);
        Assert.Contains("You cannot delete the protected branch 'main'", delete.Stderr);
        Assert.StartsWith(next, await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter), "refs/heads/main"));
    }

    [Fact]
    public async Task Push_AfterUnprotecting_DeveloperMayPush()
    {
        var (repo, _) = await ArrangeWithCommitAsync();
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);
        var protectedList = await MlOpsServer.Ensure(await maintainer.GetAsync(GitServer.Api(repo) + "/protected_branches"));
        Assert.Equal("main", protectedList[0].GetProperty("name").GetString());
        using var developerApi = server.As(server.Tokens[GitServer.Developer]);
        Assert.Equal(HttpStatusCode.Forbidden, (await developerApi.DeleteAsync(GitServer.Api(repo) + "/protected_branches/main")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await maintainer.DeleteAsync(GitServer.Api(repo) + "/protected_branches/main")).StatusCode);
        await git.CommitAsync("work", "z.txt", "z", "z");

        await git.OkAsync("work", "push", "-q", server.Url(repo, GitServer.Developer), "main");
    }

    [Theory]
    [InlineData("zzzz")]
    [InlineData("0003")]
    [InlineData("0100short")]
    [InlineData("0032not-a-command-at-all-but-long-enough-to-count\n")]
    public async Task ReceivePack_MalformedPktLine_400AndRepositoryUnchanged(string body)
    {
        var (repo, tip) = await ArrangeWithCommitAsync();
        using var http = server.Http(GitServer.Maintainer);
        var content = new ByteArrayContent(Encoding.ASCII.GetBytes(body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-git-receive-pack-request");

        var response = await http.PostAsync($"/{repo}.git/git-receive-pack", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Matches("(?i)pkt-line|command", await response.Content.ReadAsStringAsync());
        Assert.Equal($"{tip}\tHEAD\n{tip}\trefs/heads/main",
            await git.OkAsync(null, "ls-remote", server.Url(repo, GitServer.Reporter)));
    }

    [Theory]
    [InlineData("/%2e%2e/%2e%2e/etc.git/info/refs?service=git-upload-pack")]
    [InlineData("/a/..%2f..%2fb.git/info/refs?service=git-upload-pack")]
    [InlineData("/-x/p.git/info/refs?service=git-upload-pack")]
    [InlineData("/a/b/c/d.git/info/refs?service=git-upload-pack")]
    public async Task InfoRefs_TraversalOrInvalidName_NotFound(string path)
    {
        using var http = server.Http(GitServer.Maintainer);

        var response = await http.GetAsync(path);

        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {response.StatusCode}");
    }

    [Fact]
    public async Task InfoRefs_DumbProtocol_RefusedWithMessage()
    {
        var (repo, _) = await ArrangeWithCommitAsync();
        using var http = server.Http(GitServer.Maintainer);

        var response = await http.GetAsync($"/{repo}.git/info/refs");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("smart HTTP", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task UploadPack_GzipBodyWithProtocolV2_ListsRefs()
    {
        var (repo, tip) = await ArrangeWithCommitAsync();
        using var http = server.Http(GitServer.Reporter);
        var request = new MemoryStream();
        await using (var gzip = new GZipStream(request, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(Pkt("command=ls-refs\n"));
            gzip.Write("0001"u8);
            gzip.Write("0000"u8);
        }
        var content = new ByteArrayContent(request.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-git-upload-pack-request");
        content.Headers.ContentEncoding.Add("gzip");
        using var message = new HttpRequestMessage(HttpMethod.Post, $"/{repo}.git/git-upload-pack") { Content = content };
        message.Headers.Add("Git-Protocol", "version=2");

        var response = await http.SendAsync(message);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-git-upload-pack-result", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"{tip} refs/heads/main", await response.Content.ReadAsStringAsync());
    }

    private static byte[] Pkt(string line) => Encoding.ASCII.GetBytes($"{line.Length + 4:x4}{line}");
}
