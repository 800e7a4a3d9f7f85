using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Tests.Runs;

/// <summary>The run server with a recorded GitLab answering commit statuses.</summary>
public sealed class GitLabWebhookServer : RunServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Outbound:AllowedHosts"] = "127.0.0.1",
    };

    public GitLab.RecordedGitLabHandler GitLab { get; } = new();

    protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        Microsoft.AspNetCore.TestHost.WebHostBuilderExtensions.ConfigureTestServices(builder, services =>
            services.AddHttpClient<MlOps.Server.Features.GitLab.GitLabClient>().ConfigurePrimaryHttpMessageHandler(() => GitLab));
    }
}

public class GitLabWebhookTests(GitLabWebhookServer server) : IClassFixture<GitLabWebhookServer>
{
    private const string Secret = "hook-secret-0123456789abcdef";

    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "webhooks", "gitlab", name));

    /// <summary>
    /// A project linked to "GitLab" project <paramref name="gitlabId"/>, whose repository URL is a public
    /// project of this same server (so the mirror fetch is real HTTP) or a closed port (so it fails).
    /// </summary>
    private async Task<(string Repository, long ProjectId)> LinkAsync(long gitlabId, string repositoryUrl)
    {
        var baseUrl = repositoryUrl.Contains(":1/", StringComparison.Ordinal) ? "http://127.0.0.1:1/" : server.BaseAddress.ToString();
        var repository = await server.ArrangeAsync();
        var projectId = await server.ProjectIdAsync(repository);
        var protector = server.Services.GetRequiredService<SecretProtector>();
        await using var db = await server.DbAsync();
        await db.ExecuteAsync("""
            INSERT INTO gitlab_links (project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted, hook_secret_encrypted)
            VALUES (@projectId, @baseUrl, @gitlabId, 'group/p', @repositoryUrl, @token, @secret);
            UPDATE projects SET git_backend = 'gitlab' WHERE id = @projectId;
            """, new { projectId, baseUrl, gitlabId, repositoryUrl, token = protector.Protect("glpat-x"), secret = protector.Protect(Secret) });
        return (repository, projectId);
    }

    private async Task<HttpResponseMessage> DeliverAsync(string body, string @event, string? token = Secret, string? key = null)
    {
        using var client = server.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/gitlab")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Gitlab-Event", @event);
        if (token is not null)
        {
            request.Headers.Add("X-Gitlab-Token", token);
        }
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        return await client.SendAsync(request);
    }

    private static long UniqueGitLabId() => Random.Shared.NextInt64(1_000_000, long.MaxValue / 2);

    private static string WithProject(string fixture, long gitlabId, Action<JsonObject>? edit = null)
    {
        var json = JsonNode.Parse(fixture)!.AsObject();
        json["project"]!["id"] = gitlabId;
        if (json.ContainsKey("project_id"))
        {
            json["project_id"] = gitlabId;
        }
        edit?.Invoke(json);
        return json.ToJsonString();
    }

    private async Task<long> CountAsync(string sql, long projectId)
    {
        await using var db = await server.DbAsync();
        return await db.ExecuteScalarAsync<long>(sql, new { projectId });
    }

    /// <summary>The "GitLab" repository: a bare repository on disk with an mlops.yml on main, linked; and a push payload for it.</summary>
    private async Task<(string Repository, long ProjectId, long GitLabId, string Sha, string Body)> LinkedWithPipelineAsync(Git.GitCli git)
    {
        var upstream = await server.ArrangeAsync("public");
        await git.InitAsync("w");
        var sha = await git.CommitAsync("w", "mlops.yml", RunServer.TwoSteps, "pipeline");
        await git.OkAsync("w", "push", "-q", server.Url(upstream, RunServer.Maintainer), "main");
        var gitlabId = UniqueGitLabId();
        var (repository, projectId) = await LinkAsync(gitlabId, $"{server.BaseAddress.ToString().TrimEnd('/')}/{upstream}.git");
        var body = WithProject(Fixture("push.json"), gitlabId, j =>
        {
            j["ref"] = "refs/heads/main";
            j["after"] = sha;
            j["checkout_sha"] = sha;
        });
        return (repository, projectId, gitlabId, sha, body);
    }

    [Fact]
    public async Task RunProgress_LinkedProject_WritesCommitStatusesToGitLab()
    {
        using var git = new Git.GitCli();
        var (repository, projectId, gitlabId, sha, body) = await LinkedWithPipelineAsync(git);
        var key = $"POST /api/v4/projects/{gitlabId}/statuses/{sha}";
        server.GitLab.Reply(key, Enumerable.Range(0, 3).Select(_ => GitLab.Recorded.Created("commit_status.json")).ToArray());
        await DeliverAsync(body, "Push Hook");
        await server.OutcomesAsync(projectId, 1);
        var runId = (await server.RunsAsync(repository))[0].GetProperty("id").GetInt64();
        await WaitStatusesAsync(key, 1);

        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("UPDATE jobs SET status = 'running', started_at = now() WHERE run_id = @runId AND name = 'prepare'; SELECT advance_run(@runId)", new { runId });
            await WaitStatusesAsync(key, 2);
            await db.ExecuteAsync("UPDATE jobs SET status = 'success', finished_at = now() WHERE run_id = @runId; SELECT advance_run(@runId)", new { runId });
        }
        await WaitStatusesAsync(key, 3);

        var states = server.GitLab.Requests.Where(r => r.Key == key)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("state").GetString()!).ToList();
        Assert.Equal(["pending", "running", "success"], states);
        Assert.Contains("\"name\":\"mlops/train\"", server.GitLab.Requests.First(r => r.Key == key).Body);
    }

    private async Task WaitStatusesAsync(string key, int count)
    {
        for (var i = 0; i < 600 && server.GitLab.Count(key) < count; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal(count, server.GitLab.Count(key));
    }

    [Fact]
    public async Task Deliver_PushSentThreeTimes_MakesOneRunFromTheMirror()
    {
        using var git = new Git.GitCli();
        var (repository, projectId, _, sha, body) = await LinkedWithPipelineAsync(git);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await DeliverAsync(body, "Push Hook", key: "same-idempotency-key"));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Accepted, a.StatusCode));
        Assert.Equal(["stored", "duplicate", "duplicate"],
            await Task.WhenAll(answers.Select(async a => (await MlOpsServer.Read(a)).GetProperty("status").GetString()!)));
        var outcome = Assert.Single(await server.OutcomesAsync(projectId, 1));
        Assert.StartsWith("runs: ", outcome);
        var run = Assert.Single(await server.RunsAsync(repository));
        Assert.Equal(sha, run.GetProperty("commit_sha").GetString());
        Assert.Equal("jsmith", run.GetProperty("triggered_by_name").GetString());

        // A second delivery id for the same ref move (a re-created hook) is still one run.
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(body, "Push Hook")).StatusCode);
        await WaitDeliveriesAsync(projectId);
        Assert.Single(await server.RunsAsync(repository));
        var deliveries = await server.GetJsonAsync($"{RunServer.Api(repository)}/deliveries");
        var items = deliveries.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(["duplicate_event", $"push_event: {await FirstEventAsync(projectId)}"],
            items.Select(d => d.GetProperty("outcome").GetString()));
        Assert.Equal([run.GetProperty("id").GetInt64()], items[1].GetProperty("run_ids").EnumerateArray().Select(r => r.GetInt64()));
    }

    [Fact]
    public async Task Deliver_ManyAtOnce_StoredInGroups_EachRepeatOnceAndARefusedRowAlone()
    {
        var gitlabId = UniqueGitLabId();
        var (_, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");
        var body = WithProject(Fixture("push.json"), gitlabId);
        // Rows PostgreSQL refuses travel in the same groups as the others. A trigger refuses them
        // here, standing in for what can fail one row of a group (its project deleted meanwhile).
        var trigger = $"refuse_deliveries_{projectId}";
        await using var db = await server.DbAsync();
        await db.ExecuteAsync($"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.project_id = {projectId} AND NEW.delivery_key LIKE 'refused-%' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION {trigger}();
            """);
        try
        {
            await DeliverManyAsync(projectId, body);
        }
        finally
        {
            await db.ExecuteAsync($"DROP TRIGGER {trigger} ON webhook_deliveries; DROP FUNCTION {trigger}();");
        }
    }

    private async Task DeliverManyAsync(long projectId, string body)
    {
        var sends = new List<Task<HttpResponseMessage>>();
        for (var i = 0; i < 60; i++)
        {
            sends.Add(DeliverAsync(body, "Push Hook", key: i % 3 == 0 ? "one-key" : $"key-{i}"));
            if (i % 20 == 0)
            {
                sends.Add(DeliverAsync(body, "Push Hook", key: $"refused-{i}"));
            }
        }
        var answers = await Task.WhenAll(sends);

        var statuses = await Task.WhenAll(answers.Where(a => a.StatusCode == HttpStatusCode.Accepted)
            .Select(async a => (await MlOpsServer.Read(a)).GetProperty("status").GetString()!));
        Assert.Equal(60, statuses.Length);
        Assert.Equal(41, statuses.Count(s => s == "stored")); // 40 distinct keys and "one-key" once
        Assert.Equal(19, statuses.Count(s => s == "duplicate"));
        Assert.Equal(3, answers.Count(a => a.StatusCode != HttpStatusCode.Accepted));
        Assert.Equal(41, await CountAsync("SELECT count(*) FROM webhook_deliveries WHERE project_id = @projectId", projectId));
    }

    private async Task<long> FirstEventAsync(long projectId)
    {
        await using var db = await server.DbAsync();
        return await db.ExecuteScalarAsync<long>("SELECT min(id) FROM push_events WHERE project_id = @projectId", new { projectId });
    }

    private async Task WaitDeliveriesAsync(long projectId)
    {
        for (var i = 0; i < 600 && await CountAsync("SELECT count(*) FROM webhook_deliveries WHERE project_id = @projectId AND processed_at IS NULL", projectId) > 0; i++)
        {
            await Task.Delay(50);
        }
    }

    [Theory]
    [InlineData("push.json", "Push Hook", "refs/heads/master", "push")]
    [InlineData("tag_push.json", "Tag Push Hook", "refs/tags/v1.0.0", "push")]
    [InlineData("merge_request.json", "Merge Request Hook", "refs/merge-requests/1/head", "merge_request")]
    public async Task Deliver_FixturePayload_RecordsItsEvent(string fixture, string @event, string expectedRef, string kind)
    {
        var gitlabId = UniqueGitLabId();
        var (_, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");

        var answer = await DeliverAsync(WithProject(Fixture(fixture), gitlabId), @event);

        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        await WaitDeliveriesAsync(projectId);
        await using var db = await server.DbAsync();
        var row = await db.QuerySingleAsync<(string Ref, string Kind)>(
            "SELECT ref, kind FROM push_events WHERE project_id = @projectId", new { projectId });
        Assert.Equal((expectedRef, kind), row);
    }

    [Theory]
    [InlineData("pipeline.json", "Pipeline Hook")]
    [InlineData("job.json", "Job Hook")]
    [InlineData("release.json", "Release Hook")]
    public async Task Deliver_OtherEvent_RecordedAndIgnored(string fixture, string @event)
    {
        var gitlabId = UniqueGitLabId();
        var (repository, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");
        var json = JsonNode.Parse(Fixture(fixture))!.AsObject();
        json["project"] = new JsonObject { ["id"] = gitlabId };
        json["project_id"] = gitlabId;

        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(json.ToJsonString(), @event)).StatusCode);

        await WaitDeliveriesAsync(projectId);
        var delivery = (await server.GetJsonAsync($"{RunServer.Api(repository)}/deliveries")).GetProperty("items")[0];
        Assert.Equal($"ignored: {@event}", delivery.GetProperty("outcome").GetString());
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM push_events WHERE project_id = @projectId", projectId));
    }

    [Fact]
    public async Task Deliver_WrongOrMissingToken_Returns401AndStoresNothing()
    {
        var gitlabId = UniqueGitLabId();
        var (_, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");
        var body = WithProject(Fixture("push.json"), gitlabId);

        var wrong = await DeliverAsync(body, "Push Hook", token: Secret + "x");
        var missing = await DeliverAsync(body, "Push Hook", token: null);
        var unknownProject = await DeliverAsync(WithProject(Fixture("push.json"), UniqueGitLabId()), "Push Hook");

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized],
            new[] { wrong.StatusCode, missing.StatusCode, unknownProject.StatusCode });
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM webhook_deliveries WHERE project_id = @projectId", projectId));
    }

    [Fact]
    public async Task Deliver_SecretChangedAfterItWasCached_OldOneRefusedNewOneAccepted()
    {
        var gitlabId = UniqueGitLabId();
        var (_, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");
        var body = WithProject(Fixture("push.json"), gitlabId);
        Assert.Equal(HttpStatusCode.Accepted, (await DeliverAsync(body, "Push Hook", key: "before-change")).StatusCode);
        var protector = server.Services.GetRequiredService<SecretProtector>();
        await using (var db = await server.DbAsync())
        {
            await db.ExecuteAsync("UPDATE gitlab_links SET hook_secret_encrypted = @secret WHERE project_id = @projectId",
                new { projectId, secret = protector.Protect(Secret + "-new") });
        }

        // The old secret, still cached, stops working once the change notice clears the cache
        // (milliseconds; polled, not timed). Only the old one is sent until then, so nothing else refreshes the cache.
        var old = HttpStatusCode.Accepted;
        for (var i = 0; i < 200 && old == HttpStatusCode.Accepted; i++)
        {
            old = (await DeliverAsync(body, "Push Hook", key: "old-secret")).StatusCode;
            await Task.Delay(old == HttpStatusCode.Accepted ? 50 : 0);
        }
        var renewed = await DeliverAsync(body, "Push Hook", token: Secret + "-new", key: "after-change");

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Accepted), (old, renewed.StatusCode));
    }

    [Fact]
    public async Task Deliver_MalformedJson_Returns400()
    {
        var answer = await DeliverAsync("{\"object_kind\": \"push\",", "Push Hook");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.StartsWith("The body is not valid JSON", (await MlOpsServer.Read(answer)).GetProperty("errors").GetProperty("body")[0].GetString());
    }

    [Fact]
    public async Task Deliver_BodyOverLimit_Returns413()
    {
        var answer = await DeliverAsync("{\"pad\": \"" + new string('x', 3 * 1024 * 1024) + "\"}", "Push Hook");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
    }

    [Fact]
    public async Task Redeliver_FailedMirrorFetch_ProcessesAgain()
    {
        var gitlabId = UniqueGitLabId();
        var (repository, projectId) = await LinkAsync(gitlabId, "http://127.0.0.1:1/group/p.git");
        await DeliverAsync(WithProject(Fixture("push.json"), gitlabId), "Push Hook");
        await WaitDeliveriesAsync(projectId);
        // The mirror cannot be fetched from a closed port: the push event fails; give up at once for the test.
        await using (var db = await server.DbAsync())
        {
            for (var i = 0; i < 600 && await db.ExecuteScalarAsync<string?>(
                "SELECT outcome FROM push_events WHERE project_id = @projectId", new { projectId }) is null; i++)
            {
                await Task.Delay(50);
            }
            await db.ExecuteAsync("UPDATE push_events SET processed_at = now() WHERE project_id = @projectId; " +
                "UPDATE webhook_deliveries SET outcome = 'failed: mirror' WHERE project_id = @projectId", new { projectId });
        }
        var deliveries = await server.GetJsonAsync($"{RunServer.Api(repository)}/deliveries");
        var delivery = deliveries.GetProperty("items")[0];
        Assert.StartsWith("failed: ", delivery.GetProperty("event_outcome").GetString());
        using var admin = server.Admin();

        var redeliver = await admin.PostAsync($"{RunServer.Api(repository)}/deliveries/{delivery.GetProperty("id").GetInt64()}/redeliver", null);

        Assert.Equal(HttpStatusCode.Accepted, redeliver.StatusCode);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM push_events WHERE project_id = @projectId", projectId));
    }
}
