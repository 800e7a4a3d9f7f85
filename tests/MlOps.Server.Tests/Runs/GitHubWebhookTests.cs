using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Runs;

/// <summary>
/// The run server whose "GitHub" is itself: GitHub:BaseUrl is its own address, so a linked
/// repository "group/p" is a public embedded project fetched over real HTTP through the outbound guard.
/// </summary>
public sealed class GitHubServer : RunServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Outbound:AllowedHosts"] = "127.0.0.1",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["GitHub:BaseUrl"] = BaseAddress.ToString();
    }
}

public class GitHubWebhookTests(GitHubServer server) : IClassFixture<GitHubServer>
{
    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "github", name));

    /// <summary>A project linked to a fresh "GitHub" repository holding an mlops.yml; returns the shown secret.</summary>
    private async Task<(string Repository, long ProjectId, string GitHubRepository, string Secret, string Sha)> LinkAsync(GitCli git)
    {
        var github = await server.ArrangeAsync("public");
        await git.InitAsync("w");
        var sha = await git.CommitAsync("w", "mlops.yml", TwoStepsOnPullRequests, "pipeline");
        await git.OkAsync("w", "push", "-q", server.Url(github, RunServer.Maintainer), "main");
        var repository = await server.ArrangeAsync();
        using var maintainer = server.As(server.Tokens[RunServer.Maintainer]);
        var link = await MlOpsServer.Ensure(await maintainer.PutAsJsonAsync($"{RunServer.Api(repository)}/github",
            new { repository = github, token = server.Tokens[RunServer.Maintainer] }));
        Assert.Equal(JsonValueKind.Null, link.GetProperty("mirror_error").ValueKind);
        Assert.Equal(64, link.GetProperty("webhook_secret").GetString()!.Length);
        return (repository, await server.ProjectIdAsync(repository), github, link.GetProperty("webhook_secret").GetString()!, sha);
    }

    private static readonly string TwoStepsOnPullRequests = RunServer.TwoSteps.Replace("      manual: true\n", "      merge_request: {}\n");

    private static string Payload(string fixture, string repository, Action<JsonObject>? edit = null)
    {
        var json = JsonNode.Parse(Fixture(fixture))!.AsObject();
        json["repository"]!["full_name"] = repository;
        edit?.Invoke(json);
        return json.ToJsonString();
    }

    private async Task<HttpResponseMessage> DeliverAsync(string body, string @event, string secret, string? delivery = null)
    {
        using var client = server.Anonymous();
        var bytes = Encoding.UTF8.GetBytes(body);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/github") { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-GitHub-Event", @event);
        request.Headers.Add("X-GitHub-Delivery", delivery ?? Guid.NewGuid().ToString());
        request.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), bytes)));
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task Deliver_PushSentThreeTimes_MakesOneRunFromTheMirror()
    {
        using var git = new GitCli();
        var (repository, projectId, github, secret, sha) = await LinkAsync(git);
        var body = Payload("push.json", github, j => { j["ref"] = "refs/heads/main"; j["after"] = sha; });

        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var answer = await DeliverAsync(body, "push", secret, delivery: "same-delivery");
            Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
            answers.Add((await MlOpsServer.Read(answer)).GetProperty("status").GetString()!);
        }

        Assert.Equal(["stored", "duplicate", "duplicate"], answers);
        Assert.StartsWith("runs: ", Assert.Single(await server.OutcomesAsync(projectId, 1)));
        var run = Assert.Single(await server.RunsAsync(repository));
        Assert.Equal((sha, "push"), (run.GetProperty("commit_sha").GetString(), run.GetProperty("trigger").GetString()));
    }

    [Fact]
    public async Task Deliver_PullRequestOpenedAndSynchronize_RecordsMergeRequestEvents()
    {
        using var git = new GitCli();
        var (_, projectId, github, secret, _) = await LinkAsync(git);

        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(Payload("pull_request_opened.json", github), "pull_request", secret)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(Payload("pull_request_synchronize.json", github), "pull_request", secret)).StatusCode);

        // Their head commits are not in this "GitHub", so only the events are checked, not their processing.
        await using var db = await server.DbAsync();
        for (var i = 0; i < 600 && await db.ExecuteScalarAsync<long>("SELECT count(*) FROM push_events WHERE project_id = @projectId", new { projectId }) < 2; i++)
        {
            await Task.Delay(50);
        }
        var rows = (await db.QueryAsync<(string Ref, string Kind, string Target)>(
            "SELECT ref, kind, target_branch FROM push_events WHERE project_id = @projectId ORDER BY id", new { projectId })).ToList();
        Assert.All(rows, r => Assert.Equal(("refs/pull/2/head", "merge_request", "master"), r));
    }

    [Fact]
    public async Task Deliver_PingAndTagDelete_MakeNoRun()
    {
        using var git = new GitCli();
        var (repository, projectId, github, secret, _) = await LinkAsync(git);

        await DeliverAsync(Payload("ping.json", github), "ping", secret);
        await DeliverAsync(Payload("push_tag_delete.json", github), "push", secret);

        Assert.Equal(["deleted_ref"], await server.OutcomesAsync(projectId, 1));
        var deliveries = (await server.GetJsonAsync($"{RunServer.Api(repository)}/deliveries")).GetProperty("items");
        Assert.Contains(deliveries.EnumerateArray(), d => d.GetProperty("outcome").GetString() == "ignored: ping");
        Assert.Empty(await server.RunsAsync(repository));
    }

    [Fact]
    public async Task Deliver_BadSignature_Returns401AndStoresNothing()
    {
        using var git = new GitCli();
        var (_, projectId, github, secret, _) = await LinkAsync(git);

        var answer = await DeliverAsync(Payload("push.json", github), "push", secret + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        await using var db = await server.DbAsync();
        Assert.Equal(0L, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM webhook_deliveries WHERE project_id = @projectId", new { projectId }));
    }

    [Fact]
    public async Task Link_Developer_Returns403AndBadRepository400()
    {
        var repository = await server.ArrangeAsync();
        using var developer = server.As(server.Tokens[RunServer.Developer]);
        using var maintainer = server.As(server.Tokens[RunServer.Maintainer]);

        var forbidden = await developer.PutAsJsonAsync($"{RunServer.Api(repository)}/github", new { repository = "a/b", token = "t" });
        var bad = await maintainer.PutAsJsonAsync($"{RunServer.Api(repository)}/github", new { repository = "https://evil/a/b", token = "t" });

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal("repository must be 'owner/name' as on GitHub.",
            (await MlOpsServer.Read(bad)).GetProperty("errors").GetProperty("repository")[0].GetString());
    }
}
