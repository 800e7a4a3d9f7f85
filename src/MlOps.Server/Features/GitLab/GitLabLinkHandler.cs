using System.Security.Cryptography;
using MlOps.Server.Features.Audit;
using MlOps.Server.Features.Namespaces;
using MlOps.Server.Features.Projects;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;
using Npgsql;

namespace MlOps.Server.Features.GitLab;

public sealed record GitLabLinkRequest(string? Url, string? Project, string? Token);

public sealed record GitLabLinkResponse(string Url, long GitlabProjectId, string GitlabPath, string HttpUrlToRepo, long? HookId,
    DateTime? LastFetchedAt, string? MirrorError);

/// <summary>Links a project to a GitLab project: checks the token, registers the webhook, fetches the mirror.</summary>
public sealed class GitLabLinkHandler(NpgsqlDataSource dataSource, ProjectHandler projects, GitLabClient client, GitLabLinkRepository links, GitLabMirror mirror,
    SecretProtector secrets, AuditLog audit, IConfiguration configuration, ILogger<GitLabLinkHandler> logger)
{
    public async Task<GitLabLinkResponse> LinkAsync(Caller caller, string ns, string path, GitLabLinkRequest request, string requestBaseUrl,
        CancellationToken cancellationToken)
    {
        var (project, level) = await projects.FindVisibleAsync(caller, ns, path, cancellationToken);
        Access.Require(level, AccessLevel.Maintainer, caller, "link this project to GitLab");
        var validator = new Validator();
        var baseUrl = Uri.TryCreate(request.Url?.Trim(), UriKind.Absolute, out var parsed) && parsed.Scheme is "http" or "https"
            && string.IsNullOrEmpty(parsed.Query) ? new Uri(parsed.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/") : null;
        validator.Check(baseUrl is not null, "url", "url must be the http(s) address of the GitLab instance.");
        validator.Check(!string.IsNullOrWhiteSpace(request.Project), "project", "project must be the GitLab project's id or path.");
        validator.Check(!string.IsNullOrWhiteSpace(request.Token), "token", "token must be a GitLab access token with the api scope.");
        validator.ThrowIfAny();
        var connection = new GitLabConnection(baseUrl!, request.Token!.Trim());

        GitLabProject remote;
        try
        {
            remote = await client.GetProjectAsync(connection, request.Project!.Trim(), cancellationToken);
        }
        catch (GitLabException e) when (e.StatusCode is 401 or 403 or 404)
        {
            throw new ValidationException("token", $"GitLab refused the token or does not know the project: {e.Message}");
        }
        catch (GitLabException e)
        {
            throw new ValidationException("url", e.Message);
        }
        if (remote.Id <= 0 || string.IsNullOrEmpty(remote.PathWithNamespace) || remote.HttpUrlToRepo is null)
        {
            throw new ForgeResponseException("GitLab", "GitLab answered a project without id, path_with_namespace or http_url_to_repo.");
        }
        // Before anything is stored or registered: the mirror would fetch this URL.
        ForgeCloneUrl.Require("GitLab", baseUrl!, remote.HttpUrlToRepo);

        var existing = await links.FindAsync(project.Id, cancellationToken);
        if (existing?.HookId is { } oldHook)
        {
            await TryDeleteHookAsync(new GitLabConnection(new Uri(existing.BaseUrl), secrets.Unprotect(existing.TokenEncrypted)),
                existing.GitlabProjectId, oldHook);
        }
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var external = configuration["Server:ExternalUrl"];
        var hookUrl = (string.IsNullOrEmpty(external) ? requestBaseUrl : external).TrimEnd('/') + "/webhooks/gitlab";
        GitLabHook hook;
        try
        {
            hook = await client.CreateProjectHookAsync(connection, remote.Id, new GitLabHookRequest(hookUrl, secret), cancellationToken);
        }
        catch (GitLabException e)
        {
            throw new ValidationException("token", $"Could not register the webhook (the token needs maintainer and the api scope): {e.Message}");
        }
        await RemoveOtherHooksToUsAsync(connection, remote.Id, hookUrl, hook.Id);

        await using (var db = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await db.BeginTransactionAsync(cancellationToken))
        {
            await GitLabLinkRepository.UpsertAsync(transaction, new GitLabLinkRow
            {
            ProjectId = project.Id, BaseUrl = baseUrl!.ToString(), GitlabProjectId = remote.Id, GitlabPath = remote.PathWithNamespace,
            HttpUrlToRepo = remote.HttpUrlToRepo, TokenEncrypted = secrets.Protect(connection.Token), HookId = hook.Id,
            HookSecretEncrypted = secrets.Protect(secret),
            }, cancellationToken);
            await audit.WriteAsync(transaction, caller, new AuditEntry("project.gitlab_link", "project", project.Id, project.FullPath,
                project.NamespaceId, project.Id, new { url = baseUrl.ToString(), gitlab_project = remote.PathWithNamespace }),
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        string? mirrorError = null;
        try
        {
            await mirror.FetchAsync(project.Id, cancellationToken);
        }
        catch (Exception e) when (e is LibGit2Sharp.LibGit2SharpException or IOException)
        {
            // The link stands; the next push event fetches again.
            logger.LogWarning(e, "First fetch of the GitLab mirror of project {ProjectId} failed", project.Id);
            mirrorError = e.Message;
        }
        var row = await links.FindAsync(project.Id, cancellationToken);
        return ToResponse(row!, mirrorError);
    }

    public async Task<GitLabLinkResponse> GetAsync(Caller? caller, string ns, string path, CancellationToken cancellationToken)
    {
        var (project, _) = await projects.FindVisibleAsync(caller, ns, path, cancellationToken);
        var link = await links.FindAsync(project.Id, cancellationToken)
            ?? throw new NotFoundException($"'{project.FullPath}' is not linked to GitLab.");
        return ToResponse(link, null);
    }

    public async Task UnlinkAsync(Caller caller, string ns, string path, CancellationToken cancellationToken)
    {
        var (project, level) = await projects.FindVisibleAsync(caller, ns, path, cancellationToken);
        Access.Require(level, AccessLevel.Maintainer, caller, "unlink this project from GitLab");
        var link = await links.FindAsync(project.Id, cancellationToken)
            ?? throw new NotFoundException($"'{project.FullPath}' is not linked to GitLab.");
        if (link.HookId is { } hookId)
        {
            await TryDeleteHookAsync(new GitLabConnection(new Uri(link.BaseUrl), secrets.Unprotect(link.TokenEncrypted)),
                link.GitlabProjectId, hookId);
        }
        await using (var db = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await db.BeginTransactionAsync(cancellationToken))
        {
            await GitLabLinkRepository.DeleteAsync(transaction, project.Id, cancellationToken);
            await audit.WriteAsync(transaction, caller, new AuditEntry("project.gitlab_unlink", "project", project.Id, project.FullPath,
                project.NamespaceId, project.Id), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        mirror.Delete(project.Id);
    }

    /// <summary>
    /// A hook creation retried after a 5xx may have succeeded the first time, and an earlier link
    /// may have left its hook behind: every other hook pointing at this server would deliver each
    /// push twice, so only the one just made is kept. Best effort: failing here refuses nothing.
    /// </summary>
    private async Task RemoveOtherHooksToUsAsync(GitLabConnection connection, long gitlabProjectId, string hookUrl, long keep)
    {
        List<GitLabHook> hooks;
        try
        {
            hooks = await client.ListProjectHooksAsync(connection, gitlabProjectId, CancellationToken.None);
        }
        catch (GitLabException e)
        {
            logger.LogWarning(e, "Could not list the hooks of GitLab project {GitLabProjectId}", gitlabProjectId);
            return;
        }
        foreach (var stale in hooks.Where(h => h.Id != keep && string.Equals(h.Url, hookUrl, StringComparison.OrdinalIgnoreCase)))
        {
            await TryDeleteHookAsync(connection, gitlabProjectId, stale.Id);
        }
    }

    private async Task TryDeleteHookAsync(GitLabConnection connection, long gitlabProjectId, long hookId)
    {
        try
        {
            await client.DeleteProjectHookAsync(connection, gitlabProjectId, hookId, CancellationToken.None);
        }
        catch (GitLabException e)
        {
            // A stale hook only delivers events we ignore; not a reason to refuse the change.
            logger.LogWarning(e, "Could not delete GitLab hook {HookId}", hookId);
        }
    }

    private static GitLabLinkResponse ToResponse(GitLabLinkRow link, string? mirrorError) => new(link.BaseUrl, link.GitlabProjectId,
        link.GitlabPath, link.HttpUrlToRepo, link.HookId, link.LastFetchedAt, mirrorError);
}
