using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.GitLab;

namespace MlOps.Server.Tests.GitLab;

/// <summary>The typed GitLab client, with its resilience pipeline, against recorded GitLab responses.</summary>
public sealed class GitLabClientTests
{
    private static readonly GitLabConnection Connection = new(new Uri("https://gitlab.example.com/"), "glpat-secret");

    private static (GitLabClient Client, ServiceProvider Provider) Build(RecordedGitLabHandler handler, int maxRetries = 3)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["GitLab:MaxRetries"] = maxRetries.ToString(),
            ["GitLab:RetryDelay"] = "00:00:00.050",
        }).Build());
        services.AddOptions<GitLabOptions>().BindConfiguration(GitLabOptions.Section);
        services.AddGitLabClient().ConfigurePrimaryHttpMessageHandler(() => handler);
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<GitLabClient>(), provider);
    }

    [Fact]
    public async Task GetProject_ByPath_SendsTokenAndParsesTheDocumentedShape()
    {
        var handler = new RecordedGitLabHandler().Reply("GET /api/v4/projects/mike%2Fdiaspora", Recorded.Ok("project.json"));
        var (client, provider) = Build(handler);
        using var _ = provider;

        var project = await client.GetProjectAsync(Connection, "mike/diaspora", CancellationToken.None);

        Assert.Equal(15, project.Id);
        Assert.Equal("mike/diaspora", project.PathWithNamespace);
        Assert.Equal("http://example.com/mike/diaspora.git", project.HttpUrlToRepo);
        Assert.Equal("main", project.DefaultBranch);
        Assert.Equal("glpat-secret", handler.Requests.Single().Token);
    }

    [Fact]
    public async Task CreateProjectHook_PostsPushAndTagEventsWithSecret()
    {
        var handler = new RecordedGitLabHandler().Reply("POST /api/v4/projects/15/hooks", Recorded.Created("hook.json"));
        var (client, provider) = Build(handler);
        using var _ = provider;

        var hook = await client.CreateProjectHookAsync(Connection, 15,
            new GitLabHookRequest("https://mlops.example.com/webhooks/gitlab", "s3cret"), CancellationToken.None);

        Assert.Equal(1, hook.Id);
        var body = JsonDocument.Parse(handler.Requests.Single().Body).RootElement;
        Assert.Equal("https://mlops.example.com/webhooks/gitlab", body.GetProperty("url").GetString());
        Assert.Equal("s3cret", body.GetProperty("token").GetString());
        Assert.True(body.GetProperty("push_events").GetBoolean());
        Assert.True(body.GetProperty("tag_push_events").GetBoolean());
    }

    [Fact]
    public async Task CreateCommitStatus_PostsStateNameUrlAndRef()
    {
        const string sha = "18f3e63d05582537db6d183d9d557be09e1f90c8";
        var handler = new RecordedGitLabHandler().Reply($"POST /api/v4/projects/15/statuses/{sha}", Recorded.Created("commit_status.json"));
        var (client, provider) = Build(handler);
        using var _ = provider;

        var status = await client.CreateCommitStatusAsync(Connection, 15, sha, "success", "mlops/train",
            "https://mlops.example.com/runs/42", "Pipeline passed", "main", CancellationToken.None);

        Assert.Equal("success", status.Status);
        Assert.Equal(93, status.Id);
        var body = JsonDocument.Parse(handler.Requests.Single().Body).RootElement;
        Assert.Equal("success", body.GetProperty("state").GetString());
        Assert.Equal("mlops/train", body.GetProperty("name").GetString());
        Assert.Equal("https://mlops.example.com/runs/42", body.GetProperty("target_url").GetString());
        Assert.Equal("main", body.GetProperty("ref").GetString());
    }

    [Fact]
    public async Task Send_429WithRetryAfterThen503_RetriesUntilSuccess()
    {
        const string key = "GET /api/v4/projects/15";
        var handler = new RecordedGitLabHandler().Reply(key,
            new Recorded(HttpStatusCode.TooManyRequests, """{"message":"429 Too Many Requests"}""", TimeSpan.FromSeconds(1)),
            new Recorded(HttpStatusCode.ServiceUnavailable, """{"message":"503 Service Unavailable"}"""),
            Recorded.Ok("project.json"));
        var (client, provider) = Build(handler);
        using var _ = provider;

        var project = await client.GetProjectAsync(Connection, "15", CancellationToken.None);

        Assert.Equal(15, project.Id);
        Assert.Equal(3, handler.Count(key));
        var times = handler.Requests.Select(r => r.At).ToArray();
        // Retry-After: 1 was honoured rather than the 50 ms backoff.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(900), $"waited only {times[1] - times[0]}");
    }

    [Fact]
    public async Task Send_401_IsNotRetriedAndCarriesGitLabsMessage()
    {
        const string key = "GET /api/v4/projects/15";
        var handler = new RecordedGitLabHandler().Reply(key, new Recorded(HttpStatusCode.Unauthorized, Recorded.Fixture("error_401.json")));
        var (client, provider) = Build(handler);
        using var _ = provider;

        var error = await Assert.ThrowsAsync<GitLabException>(() => client.GetProjectAsync(Connection, "15", CancellationToken.None));

        Assert.Equal(401, error.StatusCode);
        Assert.Contains("401 Unauthorized", error.Message);
        Assert.Equal(1, handler.Count(key));
    }

    [Fact]
    public async Task Send_500EveryTime_GivesUpAfterTheRetries()
    {
        const string key = "GET /api/v4/projects/15";
        var handler = new RecordedGitLabHandler().Reply(key,
            Enumerable.Range(0, 10).Select(_ => new Recorded(HttpStatusCode.InternalServerError, """{"message":"500 Internal Server Error"}""")).ToArray());
        var (client, provider) = Build(handler, maxRetries: 2);
        using var _ = provider;

        var error = await Assert.ThrowsAsync<GitLabException>(() => client.GetProjectAsync(Connection, "15", CancellationToken.None));

        Assert.Equal(500, error.StatusCode);
        Assert.Equal(3, handler.Count(key));
    }

    [Fact]
    public void PushPayload_DocumentedPushHook_BecomesAPushEvent()
    {
        var payload = JsonDocument.Parse(Recorded.Fixture("push.json")).RootElement;

        var pushEvent = GitLabPushPayload.ToPushEvent(payload, projectId: 7);

        Assert.NotNull(pushEvent);
        Assert.Equal("refs/heads/master", pushEvent.Ref);
        Assert.Equal("95790bf891e76fee5e1747ab589903a6a1f80f22", pushEvent.Before);
        Assert.Equal("da1560886d4f094c3e6c9ef40349f7d38b5d27d7", pushEvent.After);
        Assert.Equal("jsmith", pushEvent.PusherUsername);
        Assert.Equal("gitlab", pushEvent.Source);
    }
}
