using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.GitHub;

public sealed record GitHubLinkRequest(string? Repository, string? Token);

/// <summary>The link; <see cref="WebhookSecret"/> only in the answer that made it (it is never shown again).</summary>
public sealed record GitHubLinkResponse(string Repository, string WebhookUrl, string? WebhookSecret, DateTime? LastFetchedAt,
    string? MirrorError);

public static partial class GitHubLinkEndpoints
{
    [GeneratedRegex("^[A-Za-z0-9-]{1,39}/[A-Za-z0-9._-]{1,100}$")]
    private static partial Regex RepositoryPattern();

    public static RouteGroupBuilder MapGitHubEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{namespace}/{project}/github").WithTags("GitHub");
        group.MapPut("", async Task<Ok<GitHubLinkResponse>> (string @namespace, string project, GitHubLinkRequest request,
            HttpContext http, AccessGate gate, GitHubLinkRepository links, SecretProtector secrets, GitHubGitBackend backend,
            IConfiguration configuration, ILoggerFactory loggers, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            var repository = request.Repository?.Trim().TrimEnd('/');
            if (repository?.EndsWith(".git", StringComparison.Ordinal) == true)
            {
                repository = repository[..^4];
            }
            new Validator()
                .Check(repository is not null && RepositoryPattern().IsMatch(repository) && !repository.Contains(".."), "repository",
                    "repository must be 'owner/name' as on GitHub.")
                .Check(!string.IsNullOrWhiteSpace(request.Token), "token", "token is required: a token that may read the repository and write commit statuses.")
                .ThrowIfAny();
            var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            await links.UpsertAsync(new GitHubLinkRow
            {
                ProjectId = access.ProjectId, Repository = repository!, TokenEncrypted = secrets.Protect(request.Token!.Trim()),
                WebhookSecretEncrypted = secrets.Protect(secret),
            }, ct);
            string? mirrorError = null;
            try
            {
                await backend.SyncAsync(access.ProjectId, ct);
            }
            catch (Exception e) when (e is InvalidOperationException or ApiException or OutboundRefusedException)
            {
                // The link stands; the next push delivery fetches again.
                loggers.CreateLogger("MlOps.GitHub").LogWarning(e, "First fetch of the GitHub mirror of project {ProjectId} failed", access.ProjectId);
                mirrorError = e.Message;
            }
            var row = await links.FindAsync(access.ProjectId, ct);
            return TypedResults.Ok(new GitHubLinkResponse(row!.Repository, HookUrl(configuration, http), secret, row.LastFetchedAt, mirrorError));
        }).WithSummary("Link the project to a GitHub repository; the answer holds the webhook secret, shown once");
        group.MapGet("", async Task<Ok<GitHubLinkResponse>> (string @namespace, string project, HttpContext http, AccessGate gate,
            GitHubLinkRepository links, IConfiguration configuration, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            var row = await links.FindAsync(access.ProjectId, ct) ?? throw new NotFoundException($"'{access.FullPath}' is not linked to GitHub.");
            return TypedResults.Ok(new GitHubLinkResponse(row.Repository, HookUrl(configuration, http), null, row.LastFetchedAt, null));
        }).WithSummary("The project's GitHub link (without its secret)");
        group.MapDelete("", async Task<NoContent> (string @namespace, string project, HttpContext http, AccessGate gate,
            GitHubLinkRepository links, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            if (!await links.DeleteAsync(access.ProjectId, ct))
            {
                throw new NotFoundException($"'{access.FullPath}' is not linked to GitHub.");
            }
            return TypedResults.NoContent();
        }).WithSummary("Unlink: the project goes back to the embedded backend");
        return api;
    }

    private static string HookUrl(IConfiguration configuration, HttpContext http) =>
        ((configuration["Server:ExternalUrl"] is { Length: > 0 } external ? external : $"{http.Request.Scheme}://{http.Request.Host}")
            .TrimEnd('/')) + "/webhooks/github";

    /// <summary>Singletons: the repository holds the data source, the backend per-project fetch locks.</summary>
    public static IServiceCollection AddGitHub(this IServiceCollection services)
    {
        services.AddOptions<GitHubOptions>().BindConfiguration(GitHubOptions.Section);
        services.AddSingleton<GitHubLinkRepository>();
        services.AddOutboundGuard();
        // Singletons: stateless apart from the options they read on each call.
        services.AddSingleton<GitHubApiClients>();
        services.AddSingleton<GitHubGitBackend>();
        services.AddSingleton<IGitBackend>(sp => sp.GetRequiredService<GitHubGitBackend>());
        return services;
    }
}
