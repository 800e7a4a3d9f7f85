using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;
using Npgsql;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// Once at start-up, in the background: hooks registered with older settings than
/// <see cref="GitLabHookRequest.Version"/> (before merge request events were subscribed) are
/// updated in place on GitLab (same URL, same secret) and recorded as current, so each is updated
/// once. Safe with several replicas (the update is idempotent); a link that fails is left for the
/// next start, and a hook deleted on GitLab needs the project to be linked again.
/// </summary>
public sealed class GitLabHookUpgrade(GitLabLinkRepository links, GitLabClient client, SecretProtector secrets,
    ILogger<GitLabHookUpgrade> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await UpgradeAsync(stoppingToken);
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning("Could not check the GitLab hooks at start-up: {Reason}", e.Message);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Updates every outdated hook; returns how many are now current.</summary>
    public async Task<int> UpgradeAsync(CancellationToken cancellationToken)
    {
        var updated = 0;
        foreach (var link in await links.OutdatedHooksAsync(cancellationToken))
        {
            var hookId = link.HookId!.Value;
            var connection = new GitLabConnection(new Uri(link.BaseUrl), secrets.Unprotect(link.TokenEncrypted));
            try
            {
                // An edit must name the URL: keep the one GitLab has, which the link registered.
                var hook = await client.GetProjectHookAsync(connection, link.GitlabProjectId, hookId, cancellationToken);
                await client.EditProjectHookAsync(connection, link.GitlabProjectId, hookId,
                    new GitLabHookRequest(hook.Url, secrets.Unprotect(link.HookSecretEncrypted)), cancellationToken);
            }
            catch (Exception e) when (e is GitLabException or ForgeResponseException)
            {
                logger.LogWarning("Could not update GitLab hook {HookId} of project {ProjectId} (link the project again if it was deleted): {Reason}",
                    hookId, link.ProjectId, e.Message);
                continue;
            }
            await links.MarkHookCurrentAsync(link.ProjectId, hookId, cancellationToken);
            logger.LogInformation("GitLab hook {HookId} of project {ProjectId} now subscribes to merge request events", hookId, link.ProjectId);
            updated++;
        }
        return updated;
    }
}
