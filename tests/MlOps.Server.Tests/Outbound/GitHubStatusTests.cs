using System.Collections.Concurrent;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.GitHub;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;
using Npgsql;

namespace MlOps.Server.Tests.Outbound;

/// <summary>A request as the stand-in GitHub received it.</summary>
public sealed record ReceivedRequest(string Method, string Path, string? Authorization, string? UserAgent, string? ContentType, string Body);

/// <summary>
/// A stand-in for GitHub's REST API on 127.0.0.1 (a real HTTP server, so the guarded handler's
/// connect path runs): records each request and answers "Create a commit status" with GitHub's
/// documented 201 body (Fixtures/github/status_created.json).
/// </summary>
public sealed class GitHubStandIn : IAsyncDisposable
{
    private readonly WebApplication app;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public GitHubStandIn()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        app = builder.Build();
        var created = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "github", "status_created.json"));
        app.Run(async context =>
        {
            var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
            Requests.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value!,
                context.Request.Headers.Authorization.ToString(), context.Request.Headers.UserAgent.ToString(),
                context.Request.ContentType, body));
            context.Response.StatusCode = StatusCodes.Status201Created;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(created);
        });
        app.StartAsync().GetAwaiter().GetResult();
    }

    public Uri ApiUrl => new(app.Urls.Single().TrimEnd('/') + "/api/v3");

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}

public sealed class GitHubStatusTests(GitHubStatusTests.AllowListedServer allowListed, GitHubStatusTests.GuardedServer guarded)
    : IClassFixture<GitHubStatusTests.AllowListedServer>, IClassFixture<GitHubStatusTests.GuardedServer>
{
    private const string Sha = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

    /// <summary>An administrator allowed 127.0.0.1, where the stand-in GitHub (an Enterprise-style /api/v3) listens.</summary>
    public sealed class AllowListedServer : MlOpsServer
    {
        public GitHubStandIn GitHub { get; } = new();

        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["Outbound:AllowedHosts"] = "127.0.0.1",
            ["GitHub:ApiUrl"] = GitHub.ApiUrl.ToString(),
        };

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await GitHub.DisposeAsync();
        }
    }

    /// <summary>Local network not allowed; the API URL names localhost, where something answers like GitHub.</summary>
    public sealed class GuardedServer : MlOpsServer
    {
        public LoopbackHttp GitHub { get; } = LoopbackHttp.Json(201,
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "github", "status_created.json")));

        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["GitHub:ApiUrl"] = $"http://localhost:{GitHub.Port}/",
        };

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            GitHub.Dispose();
        }
    }

    /// <summary>A project linked to GitHub repository octo-org/hello-world with token <paramref name="token"/>.</summary>
    private static async Task<long> LinkedProjectAsync(MlOpsServer server, string token)
    {
        var path = "p" + Guid.NewGuid().ToString("N")[..10];
        using var admin = server.Admin();
        var project = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "admin", path }));
        var projectId = project.GetProperty("id").GetInt64();
        var protector = server.Services.GetRequiredService<SecretProtector>();
        await using var db = new NpgsqlConnection(server.Database.ConnectionString);
        await db.ExecuteAsync("""
            INSERT INTO github_links (project_id, repository, token_encrypted, webhook_secret_encrypted)
            VALUES (@projectId, 'octo-org/hello-world', @token, @secret)
            """, new { projectId, token = protector.Protect(token), secret = protector.Protect("whsec") });
        return projectId;
    }

    [Fact]
    public async Task SetCommitStatus_Success_PostsTheRequestGitHubDocuments()
    {
        var projectId = await LinkedProjectAsync(allowListed, "ghp_status_token_0123");
        var backend = allowListed.Services.GetRequiredService<GitHubGitBackend>();

        await backend.SetCommitStatusAsync(projectId,
            new CommitStatus(Sha, "success", "mlops/train", "https://mlops.example.com/runs/7", "Succeeded", "main"), CancellationToken.None);

        var request = Assert.Single(allowListed.GitHub.Requests, r => r.Authorization?.EndsWith("ghp_status_token_0123") == true);
        Assert.Equal(("POST", $"/api/v3/repos/octo-org/hello-world/statuses/{Sha}"), (request.Method, request.Path));
        // GitHub documents `Authorization: token <token>`; the scheme is case-insensitive (RFC 9110), Octokit writes "Token".
        Assert.Equal("Token ghp_status_token_0123", request.Authorization);
        Assert.StartsWith("MlOps", request.UserAgent);
        Assert.StartsWith("application/json", request.ContentType);
        var body = JsonDocument.Parse(request.Body).RootElement;
        Assert.Equal(["context", "description", "state", "target_url"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(("success", "https://mlops.example.com/runs/7", "Succeeded", "mlops/train"),
            (body.GetProperty("state").GetString(), body.GetProperty("target_url").GetString(),
             body.GetProperty("description").GetString(), body.GetProperty("context").GetString()));
    }

    [Theory]
    [InlineData("pending", "pending")]
    [InlineData("running", "pending")]
    [InlineData("failed", "failure")]
    [InlineData("canceled", "error")]
    public async Task SetCommitStatus_RunState_MapsToGitHubsStates(string ours, string theirs)
    {
        var token = "ghp_" + Guid.NewGuid().ToString("N");
        var projectId = await LinkedProjectAsync(allowListed, token);
        var backend = allowListed.Services.GetRequiredService<GitHubGitBackend>();

        await backend.SetCommitStatusAsync(projectId, new CommitStatus(Sha, ours, "mlops/train", null, null, "main"), CancellationToken.None);

        var request = allowListed.GitHub.Requests.Single(r => r.Authorization == "Token " + token);
        Assert.Equal(theirs, JsonDocument.Parse(request.Body).RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task SetCommitStatus_ApiUrlResolvesToLoopback_RefusedAtConnect()
    {
        var projectId = await LinkedProjectAsync(guarded, "ghp_never_sent");
        var backend = guarded.Services.GetRequiredService<GitHubGitBackend>();

        var error = await Record.ExceptionAsync(() => backend.SetCommitStatusAsync(projectId,
            new CommitStatus(Sha, "success", "mlops/train", null, null, "main"), CancellationToken.None));

        Assert.True(OutboundHttp.IsRefusal(error, out var refusal), error?.ToString());
        Assert.StartsWith("localhost resolves to a loopback", refusal!.Message);
        Assert.Equal(0, guarded.GitHub.Connections);
    }
}
