using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.GitLab;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.GitLab;

/// <summary>
/// A "GitLab" that lies: its project answers a repository URL pointing at another project's
/// repository on this server's disk, a file:// URL, another host, port or scheme. The link is
/// refused, and nothing of the other (private) repository is ever served through the linked project.
/// </summary>
public sealed class HostileGitLabTests(GitLabLinkServer server) : IClassFixture<GitLabLinkServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    /// <summary>A private victim project with a commit, and a project the attacker (maintainer of it) links.</summary>
    private async Task<(string Victim, string VictimTip, string VictimDisk, string Linked)> ArrangeAsync()
    {
        var victim = await server.ArrangeAsync();
        var linked = await server.ArrangeAsync();
        var work = await git.InitAsync("victim-" + Guid.NewGuid().ToString("N")[..6]);
        await git.OkAsync(work, "push", "-q", server.Url(victim, GitServer.Maintainer), "main");
        var tip = await git.OkAsync(work, "rev-parse", "HEAD");
        var victimId = (await server.GetJsonAsync(GitServer.Api(victim))).GetProperty("id").GetInt64();
        return (victim, tip, server.Services.GetRequiredService<RepositoryPaths>().Embedded(victimId), linked);
    }

    private (string Path, long Id) HostileProject(string httpUrlToRepo)
    {
        var gitlabId = Random.Shared.NextInt64(1000, 1_000_000_000);
        var gitlabPath = "evil/repo-" + gitlabId;
        var project = new Dictionary<string, object?>
        {
            ["id"] = gitlabId, ["path_with_namespace"] = gitlabPath, ["http_url_to_repo"] = httpUrlToRepo,
            ["web_url"] = "http://gitlab.example.com/" + gitlabPath, ["default_branch"] = "main",
        };
        server.GitLab
            .Reply($"GET /api/v4/projects/{Uri.EscapeDataString(gitlabPath)}",
                new Recorded(HttpStatusCode.OK, JsonSerializer.Serialize(project)))
            .Reply($"POST /api/v4/projects/{gitlabId}/hooks", Recorded.Created("hook.json"));
        return (gitlabPath, gitlabId);
    }

    private Task<HttpResponseMessage> LinkAsync(string linked, string gitlabPath) =>
        server.As(server.Tokens[GitServer.Maintainer]).PutAsJsonAsync(GitServer.Api(linked) + "/gitlab",
            new { url = server.BaseAddress.ToString(), project = gitlabPath, token = "glpat-attacker" });

    public static TheoryData<string, string> HostileUrls => new()
    {
        { "disk", "local path" },
        { "file", "local path" },
        { "other-host", "not on 127.0.0.1" },
        { "other-port", "not on 127.0.0.1" },
        { "ssh", "scheme 'ssh'" },
        { "credentials", "carries credentials" },
    };

    [Theory]
    [MemberData(nameof(HostileUrls))]
    public async Task Link_CloneUrlElsewhere_RefusedAndNothingOfTheOtherRepositoryServed(string kind, string why)
    {
        var (victim, victimTip, victimDisk, linked) = await ArrangeAsync();
        var port = server.BaseAddress.Port;
        var cloneUrl = kind switch
        {
            "disk" => victimDisk,
            "file" => new Uri(victimDisk).AbsoluteUri,
            "other-host" => $"http://localhost:{port}/{victim}.git",
            "other-port" => $"http://127.0.0.1:{port + 1}/{victim}.git",
            "ssh" => $"ssh://127.0.0.1:{port}/{victim}.git",
            _ => $"http://admin:{MlOpsServer.AdminToken}@127.0.0.1:{port}/{victim}.git",
        };
        var (gitlabPath, gitlabId) = HostileProject(cloneUrl);

        var response = await LinkAsync(linked, gitlabPath);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("url")[0].GetString()!;
        Assert.StartsWith("GitLab answered the repository URL", message);
        Assert.Contains("which this server will not fetch: ", message);
        Assert.Contains(why, message);
        Assert.Equal(0, server.GitLab.Count($"POST /api/v4/projects/{gitlabId}/hooks"));
        var project = await server.GetJsonAsync(GitServer.Api(linked));
        Assert.Equal("embedded", project.GetProperty("git_backend").GetString());
        Assert.False(Directory.Exists(server.Services.GetRequiredService<RepositoryPaths>().Mirror(project.GetProperty("id").GetInt64())));
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);
        var branches = await maintainer.GetStringAsync(GitServer.Api(linked) + "/repository/branches");
        Assert.DoesNotContain(victimTip, branches);
    }

    [Fact]
    public async Task Sync_StoredLinkRewrittenToAnotherRepositoryOnDisk_RefusedBeforeFetching()
    {
        // A link stored before the rule existed (or written behind the API's back) is checked again at fetch time.
        var (_, victimTip, victimDisk, linked) = await ArrangeAsync();
        var (upstream, _, _, _) = await ArrangeAsync();
        var (gitlabPath, _) = HostileProject(GitCli.Url(server.BaseAddress, upstream));
        await MlOpsServer.Ensure(await server.As(server.Tokens[GitServer.Maintainer]).PutAsJsonAsync(GitServer.Api(linked) + "/gitlab",
            new { url = server.BaseAddress.ToString(), project = gitlabPath, token = server.Tokens[GitServer.Maintainer] }));
        var id = (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("id").GetInt64();
        await using (var connection = new NpgsqlConnection(server.Database.ConnectionString))
        {
            await connection.ExecuteAsync("UPDATE gitlab_links SET http_url_to_repo = @victimDisk WHERE project_id = @id", new { victimDisk, id });
        }
        var backend = server.Services.GetRequiredService<GitBackends>().For("gitlab");

        var error = await Assert.ThrowsAsync<ValidationException>(() => backend.SyncAsync(id, CancellationToken.None));

        Assert.Contains("local path", error.Errors["url"][0]);
        Assert.False(Directory.Exists(server.Services.GetRequiredService<RepositoryPaths>().Mirror(id)));
        using var admin = server.Admin();
        var branches = await admin.GetAsync(GitServer.Api(linked) + "/repository/branches");
        Assert.Equal(HttpStatusCode.NotFound, branches.StatusCode);
        Assert.DoesNotContain(victimTip, await branches.Content.ReadAsStringAsync());
    }

    public static TheoryData<string> NotGitLabProjects => new()
    {
        "<html><body>Welcome to nginx</body></html>",
        "[1, 2, 3]",
        """{"id": 7}""",
        """{"id": "seven", "path_with_namespace": 3}""",
    };

    [Theory]
    [MemberData(nameof(NotGitLabProjects))]
    public async Task Link_GitLabAnswersUnexpectedJson_502NamingGitLab(string body)
    {
        var linked = await server.ArrangeAsync();
        var gitlabPath = "odd/p-" + Guid.NewGuid().ToString("N")[..8];
        server.GitLab.Reply($"GET /api/v4/projects/{Uri.EscapeDataString(gitlabPath)}", new Recorded(HttpStatusCode.OK, body));

        var response = await LinkAsync(linked, gitlabPath);

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await MlOpsServer.Read(response);
        Assert.Equal("Bad Gateway", problem.GetProperty("title").GetString());
        Assert.StartsWith("GitLab answered", problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("nginx", problem.ToString());
        Assert.Equal("embedded", (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("git_backend").GetString());
    }

    [Fact]
    public async Task StartUp_MirrorFetchedFromARefusedUrl_Deleted()
    {
        var (_, _, victimDisk, linked) = await ArrangeAsync();
        var (upstream, _, _, _) = await ArrangeAsync();
        var (gitlabPath, _) = HostileProject(GitCli.Url(server.BaseAddress, upstream));
        await MlOpsServer.Ensure(await server.As(server.Tokens[GitServer.Maintainer]).PutAsJsonAsync(GitServer.Api(linked) + "/gitlab",
            new { url = server.BaseAddress.ToString(), project = gitlabPath, token = server.Tokens[GitServer.Maintainer] }));
        var id = (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("id").GetInt64();
        var mirror = server.Services.GetRequiredService<RepositoryPaths>().Mirror(id);
        await using (var connection = new NpgsqlConnection(server.Database.ConnectionString))
        {
            await connection.ExecuteAsync("UPDATE gitlab_links SET http_url_to_repo = @victimDisk WHERE project_id = @id", new { victimDisk, id });
        }
        Assert.True(Directory.Exists(mirror));
        var sweep = server.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<RefusedMirrorSweep>().Single();

        await sweep.StartAsync(CancellationToken.None);

        Assert.False(Directory.Exists(mirror));
    }
}
