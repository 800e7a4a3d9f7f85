using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.GitLab;
using MlOps.Server.Git;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.GitLab;

/// <summary>
/// The server with its GitLab client pointed at recorded responses. The "GitLab repository" the
/// mirror fetches is another project on this same server, reached over real HTTP by LibGit2Sharp.
/// </summary>
public sealed class GitLabLinkServer : GitServer
{
    public RecordedGitLabHandler GitLab { get; } = new();

    // The "GitLab" of these tests is this server on 127.0.0.1, which the outbound guard refuses
    // unless an administrator allows it, as an on-premises GitLab on a private network would be.
    protected override IDictionary<string, string?> ExtraSettings =>
        new Dictionary<string, string?> { ["Outbound:AllowedHosts"] = "127.0.0.1" };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
            services.AddHttpClient<GitLabClient>().ConfigurePrimaryHttpMessageHandler(() => GitLab));
    }
}

public sealed class GitLabLinkTests(GitLabLinkServer server) : IClassFixture<GitLabLinkServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    /// <summary>An upstream repository with commits, recorded GitLab replies pointing at it, and a project to link.</summary>
    private async Task<(string Upstream, string Linked, string GitLabPath, long GitLabId)> ArrangeAsync()
    {
        var upstream = await server.ArrangeAsync();
        var linked = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(upstream, GitServer.Maintainer), "main");
        var gitlabId = Random.Shared.NextInt64(1000, 1_000_000_000);
        var gitlabPath = "mike/diaspora-" + gitlabId;
        var project = JsonDocument.Parse(Recorded.Fixture("project.json")).RootElement.ToString()
            .Replace("\"id\": 15,", $"\"id\": {gitlabId},")
            .Replace("mike/diaspora", gitlabPath)
            .Replace($"http://example.com/{gitlabPath}.git", GitCli.Url(server.BaseAddress, upstream));
        server.GitLab
            .Reply($"GET /api/v4/projects/{Uri.EscapeDataString(gitlabPath)}", new Recorded(HttpStatusCode.OK, project))
            .Reply($"POST /api/v4/projects/{gitlabId}/hooks", Recorded.Created("hook.json"));
        return (upstream, linked, gitlabPath, gitlabId);
    }

    private Task<HttpResponseMessage> LinkAsync(string linked, string gitlabPath, string user) =>
        server.As(server.Tokens[user]).PutAsJsonAsync(GitServer.Api(linked) + "/gitlab",
            new { url = server.BaseAddress.ToString(), project = gitlabPath, token = server.Tokens[GitServer.Maintainer] });

    [Fact]
    public async Task Link_DuplicateHooksToThisServer_OnlyTheNewOneKept()
    {
        var (_, linked, gitlabPath, gitlabId) = await ArrangeAsync();
        var ours = $"{server.BaseAddress.ToString().TrimEnd('/')}/webhooks/gitlab";
        var hooks = $$"""
            [{"id": 1, "url": "{{ours}}", "push_events": true, "tag_push_events": true},
             {"id": 98, "url": "{{ours}}", "push_events": true, "tag_push_events": true},
             {"id": 99, "url": "https://ci.example.com/hook", "push_events": true, "tag_push_events": false}]
            """;
        server.GitLab
            .Reply($"GET /api/v4/projects/{gitlabId}/hooks", new Recorded(HttpStatusCode.OK, hooks))
            .Reply($"DELETE /api/v4/projects/{gitlabId}/hooks/98", new Recorded(HttpStatusCode.NoContent, ""));

        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));

        Assert.Equal(1, server.GitLab.Count($"DELETE /api/v4/projects/{gitlabId}/hooks/98"));
        Assert.Equal(0, server.GitLab.Count($"DELETE /api/v4/projects/{gitlabId}/hooks/99"));
        Assert.Equal(0, server.GitLab.Count($"DELETE /api/v4/projects/{gitlabId}/hooks/1"));
    }

    [Fact]
    public async Task Link_Maintainer_RegistersHookFetchesMirrorAndServesBrowsing()
    {
        var (upstream, linked, gitlabPath, gitlabId) = await ArrangeAsync();
        var tip = await git.OkAsync("work", "rev-parse", "HEAD");

        var link = await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));

        Assert.Equal(gitlabId, link.GetProperty("gitlab_project_id").GetInt64());
        Assert.Equal(1, link.GetProperty("hook_id").GetInt64());
        Assert.Equal(JsonValueKind.Null, link.GetProperty("mirror_error").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, link.GetProperty("last_fetched_at").ValueKind);
        var hook = server.GitLab.Requests.Single(r => r.Key == $"POST /api/v4/projects/{gitlabId}/hooks");
        var hookBody = JsonDocument.Parse(hook.Body).RootElement;
        Assert.Equal($"{server.BaseAddress.ToString().TrimEnd('/')}/webhooks/gitlab", hookBody.GetProperty("url").GetString());
        Assert.Matches("^[0-9a-f]{64}$", hookBody.GetProperty("token").GetString());
        var project = await server.GetJsonAsync(GitServer.Api(linked));
        Assert.Equal("gitlab", project.GetProperty("git_backend").GetString());
        var branches = await server.GetJsonAsync(GitServer.Api(linked) + "/repository/branches");
        Assert.Equal(tip, branches[0].GetProperty("commit").GetProperty("id").GetString());

        // A GitLab-hosted project is not served over this server's Git HTTP.
        var clone = await git.RunAsync(null, "clone", server.Url(linked, GitServer.Maintainer), "nope");
        Assert.NotEqual(0, clone.ExitCode);
        Assert.Contains("hosted on gitlab", clone.Stderr);
    }

    [Fact]
    public async Task Link_RegistersHook_SubscribesToPushTagAndMergeRequestEvents()
    {
        var (_, linked, gitlabPath, gitlabId) = await ArrangeAsync();

        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));

        var hook = JsonDocument.Parse(server.GitLab.Requests.Single(r => r.Key == $"POST /api/v4/projects/{gitlabId}/hooks").Body).RootElement;
        Assert.True(hook.GetProperty("push_events").GetBoolean());
        Assert.True(hook.GetProperty("tag_push_events").GetBoolean());
        Assert.True(hook.GetProperty("merge_requests_events").GetBoolean());
    }

    [Fact]
    public async Task HookUpgrade_LinkRegisteredBeforeMergeRequestEvents_UpdatedOnceInPlace()
    {
        var (_, linked, gitlabPath, gitlabId) = await ArrangeAsync();
        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));
        var secret = JsonDocument.Parse(server.GitLab.Requests.Single(r => r.Key == $"POST /api/v4/projects/{gitlabId}/hooks").Body)
            .RootElement.GetProperty("token").GetString();
        var id = (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("id").GetInt64();
        await using (var connection = new NpgsqlConnection(server.Database.ConnectionString))
        {
            // As a link made before version 2 was stored (the migration gives old rows version 1).
            await connection.ExecuteAsync("UPDATE gitlab_links SET hook_version = 1 WHERE project_id = @id", new { id });
        }
        var hook = Recorded.Fixture("hook.json");
        server.GitLab
            .Reply($"GET /api/v4/projects/{gitlabId}/hooks/1", new Recorded(HttpStatusCode.OK, hook))
            .Reply($"PUT /api/v4/projects/{gitlabId}/hooks/1",
                new Recorded(HttpStatusCode.OK, hook.Replace("\"merge_requests_events\": false", "\"merge_requests_events\": true")));
        var upgrade = server.Services.GetRequiredService<GitLabHookUpgrade>();

        var first = await upgrade.UpgradeAsync(CancellationToken.None);
        var second = await upgrade.UpgradeAsync(CancellationToken.None);

        Assert.Equal((1, 0), (first, second));
        var edit = server.GitLab.Requests.Single(r => r.Key == $"PUT /api/v4/projects/{gitlabId}/hooks/1");
        var body = JsonDocument.Parse(edit.Body).RootElement;
        Assert.Equal("http://example.com/hook", body.GetProperty("url").GetString());
        Assert.Equal(secret, body.GetProperty("token").GetString());
        Assert.True(body.GetProperty("merge_requests_events").GetBoolean());
        Assert.Equal(server.Tokens[GitServer.Maintainer], edit.Token);
        await using var db = new NpgsqlConnection(server.Database.ConnectionString);
        Assert.Equal(2, await db.QuerySingleAsync<int>("SELECT hook_version FROM gitlab_links WHERE project_id = @id", new { id }));
    }

    [Fact]
    public async Task GitHttp_GitLabLinkedProject_JobTokenFetchesMirrorAtCommit_PersonalTokenAndPushStillRefused()
    {
        var (_, linked, gitlabPath, _) = await ArrangeAsync();
        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));
        var tip = await git.OkAsync("work", "rev-parse", "HEAD");
        var jobToken = await RunningJobTokenAsync(linked, tip);
        var asJob = $"http.extraHeader=Authorization: Basic {Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("mlops-job:" + jobToken))}";
        var url = GitCli.Url(server.BaseAddress, linked);

        // As the runner stages a job: an empty repository, the run's commit fetched by its id, checked out.
        await git.OkAsync(null, "init", "-q", "staged");
        await git.OkAsync("staged", "-c", asJob, "fetch", "-q", "--depth", "1", url, tip);
        await git.OkAsync("staged", "-c", "advice.detachedHead=false", "checkout", "-q", tip);
        var personal = await git.RunAsync(null, "clone", server.Url(linked, GitServer.Maintainer), "personal");
        var push = await git.RunAsync("staged", "-c", asJob, "push", url, $"{tip}:refs/heads/from-job");

        Assert.Equal(tip, await git.OkAsync("staged", "rev-parse", "HEAD"));
        Assert.NotEqual(0, personal.ExitCode);
        Assert.Contains("hosted on gitlab", personal.Stderr);
        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("hosted on gitlab", push.Stderr);
    }

    // A job of the linked project at the commit, running (so its token is alive), started by the maintainer.
    private async Task<string> RunningJobTokenAsync(string repository, string commit)
    {
        var token = MlOps.Server.Infrastructure.Auth.TokenHasher.NewToken("mljt-");
        await using var connection = new NpgsqlConnection(server.Database.ConnectionString);
        await connection.ExecuteAsync(
            """
            WITH p AS (SELECT p.id, n.id AS client, u.id AS maintainer FROM projects p JOIN namespaces n ON n.id = p.namespace_id,
                                 users u WHERE n.full_path || '/' || p.path = @repository AND u.username = @maintainer),
            r AS (INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by, triggered_by_name, status)
                  SELECT id, client, 'train', 'refs/heads/main', @commit, 'manual', maintainer, @maintainer, 'running' FROM p
                  RETURNING id, project_id, client_id, triggered_by)
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, triggered_by, status, spec, token_hash)
            SELECT id, project_id, client_id, 'fit', 'train', 'refs/heads/main', @commit, triggered_by, 'running', '{}', @hash FROM r
            """,
            new { repository, commit, maintainer = GitServer.Maintainer, hash = MlOps.Server.Infrastructure.Auth.TokenHasher.Hash(token) });
        return token;
    }

    [Fact]
    public async Task Sync_AfterUpstreamPush_MirrorHasTheNewCommitAndStatusGoesToGitLab()
    {
        var (upstream, linked, gitlabPath, gitlabId) = await ArrangeAsync();
        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));
        var next = await git.CommitAsync("work", "b.txt", "b", "second");
        await git.OkAsync("work", "push", "-q", server.Url(upstream, GitServer.Maintainer), "main");
        var id = (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("id").GetInt64();
        var backend = server.Services.GetRequiredService<GitBackends>().For("gitlab");
        server.GitLab.Reply($"POST /api/v4/projects/{gitlabId}/statuses/{next}", Recorded.Created("commit_status.json"));

        await backend.SyncAsync(id, CancellationToken.None);
        await backend.SetCommitStatusAsync(id, new CommitStatus(next, "running", "mlops/train", null, "Running", "main"),
            CancellationToken.None);

        var commits = await server.GetJsonAsync(GitServer.Api(linked) + "/repository/commits");
        Assert.Equal(next, commits.GetProperty("items")[0].GetProperty("id").GetString());
        var status = server.GitLab.Requests.Single(r => r.Key == $"POST /api/v4/projects/{gitlabId}/statuses/{next}");
        Assert.Equal(server.Tokens[GitServer.Maintainer], status.Token);
        Assert.Equal("running", JsonDocument.Parse(status.Body).RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Link_TokenIsStoredEncrypted()
    {
        var (_, linked, gitlabPath, _) = await ArrangeAsync();
        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));
        var id = (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("id").GetInt64();

        await using var connection = new NpgsqlConnection(server.Database.ConnectionString);
        var stored = await connection.QuerySingleAsync<byte[]>("SELECT token_encrypted FROM gitlab_links WHERE project_id = @id", new { id });

        var token = System.Text.Encoding.UTF8.GetBytes(server.Tokens[GitServer.Maintainer]);
        Assert.Equal(-1, stored.AsSpan().IndexOf(token));
        Assert.DoesNotContain(server.Tokens[GitServer.Maintainer], (await server.GetJsonAsync(GitServer.Api(linked) + "/gitlab")).ToString());
    }

    [Fact]
    public async Task Link_DeveloperOrUnknownProject_Refused()
    {
        var (_, linked, gitlabPath, _) = await ArrangeAsync();

        var developer = await LinkAsync(linked, gitlabPath, GitServer.Developer);
        var unknown = await LinkAsync(linked, "mike/unknown", GitServer.Maintainer);

        Assert.Equal(HttpStatusCode.Forbidden, developer.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("404", (await MlOpsServer.Read(unknown)).GetProperty("errors").GetProperty("token")[0].GetString());
        Assert.Equal("embedded", (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("git_backend").GetString());
    }

    [Fact]
    public async Task Unlink_RemovesHookAndMakesTheProjectEmbeddedAgain()
    {
        var (_, linked, gitlabPath, gitlabId) = await ArrangeAsync();
        await MlOpsServer.Ensure(await LinkAsync(linked, gitlabPath, GitServer.Maintainer));
        server.GitLab.Reply($"DELETE /api/v4/projects/{gitlabId}/hooks/1", new Recorded(HttpStatusCode.NoContent, ""));
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);

        var response = await maintainer.DeleteAsync(GitServer.Api(linked) + "/gitlab");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(1, server.GitLab.Count($"DELETE /api/v4/projects/{gitlabId}/hooks/1"));
        Assert.Equal("embedded", (await server.GetJsonAsync(GitServer.Api(linked))).GetProperty("git_backend").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await maintainer.GetAsync(GitServer.Api(linked) + "/gitlab")).StatusCode);
    }
}
