using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.Webhooks;

/// <summary>The projects a delivery may be for, with their secrets decrypted, through the cache.</summary>
public sealed class HookTargets(WebhookRepository repository, HookTargetCache cache, SecretProtector secrets)
{
    /// <summary>
    /// The first target <paramref name="matches"/> accepts, checking every target (no early exit on
    /// the secret's content). When cached secrets match none, they are read again once: a link
    /// made a moment ago must not be refused because its change notice is still on the way.
    /// </summary>
    public async Task<IReadOnlyList<long>> MatchGitLabAsync(long gitlabProjectId, Func<byte[], bool> matches, CancellationToken cancellationToken) =>
        await MatchAsync(HookTargetCache.GitLabKey(gitlabProjectId),
            async ct => Decrypt(await repository.GitLabTargetsAsync(gitlabProjectId, ct)), matches, cancellationToken);

    public async Task<IReadOnlyList<long>> MatchGitHubAsync(string repositoryName, Func<byte[], bool> matches, CancellationToken cancellationToken) =>
        await MatchAsync(HookTargetCache.GitHubKey(repositoryName),
            async ct => Decrypt(await repository.GitHubTargetsAsync(repositoryName, ct)), matches, cancellationToken);

    private async Task<IReadOnlyList<long>> MatchAsync(string key, Func<CancellationToken, Task<IReadOnlyList<HookTarget>>> read,
        Func<byte[], bool> matches, CancellationToken cancellationToken)
    {
        var (targets, cached) = await cache.GetAsync(key, read, cancellationToken);
        var matched = Match(targets, matches);
        if (matched.Count == 0 && cached)
        {
            matched = Match(await cache.ReadAsync(key, read, cancellationToken), matches);
        }
        return matched;
    }

    private static List<long> Match(IReadOnlyList<HookTarget> targets, Func<byte[], bool> matches)
    {
        var matched = new List<long>(1);
        foreach (var target in targets)
        {
            if (matches(target.Secret))
            {
                matched.Add(target.ProjectId);
            }
        }
        return matched;
    }

    private IReadOnlyList<HookTarget> Decrypt(IReadOnlyList<StoredHookTarget> stored) =>
        stored.Select(t => new HookTarget(t.ProjectId, System.Text.Encoding.UTF8.GetBytes(secrets.Unprotect(t.SecretEncrypted)))).ToList();
}
