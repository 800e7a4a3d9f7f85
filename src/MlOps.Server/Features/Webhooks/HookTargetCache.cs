using System.Collections.Concurrent;

namespace MlOps.Server.Features.Webhooks;

/// <summary>A linked project and its webhook secret, decrypted.</summary>
public sealed record HookTarget(long ProjectId, byte[] Secret);

/// <summary>
/// The linked projects and decrypted secrets per GitLab project id or GitHub repository, so a
/// delivery does not read and decrypt them on every request. Entries are used only while
/// <see cref="HookLinkListener"/> listens for link changes (each change clears the cache, in every
/// replica); a read that raced with a change is not kept (the generation moved). Bounded: past
/// <see cref="MaxEntries"/> it starts over. A failed check always reads the database again, so a
/// cached entry can only speed up a delivery, never refuse one a fresh read would accept.
/// </summary>
public sealed class HookTargetCache
{
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, IReadOnlyList<HookTarget>> entries = new(StringComparer.Ordinal);
    // Stores and invalidations take the lock, so a read that began before a change is never stored
    // after it; hits do not.
    private readonly Lock gate = new();
    private long generation;
    private volatile bool listening;

    /// <summary>Targets for the key: cached while listening, else read (and kept if nothing changed meanwhile).</summary>
    public async Task<(IReadOnlyList<HookTarget> Targets, bool Cached)> GetAsync(string key,
        Func<CancellationToken, Task<IReadOnlyList<HookTarget>>> read, CancellationToken cancellationToken)
    {
        if (listening && entries.TryGetValue(key, out var cached))
        {
            return (cached, true);
        }
        return (await ReadAsync(key, read, cancellationToken), false);
    }

    /// <summary>Reads past the cache and keeps the answer: after a failed check with cached secrets.</summary>
    public async Task<IReadOnlyList<HookTarget>> ReadAsync(string key, Func<CancellationToken, Task<IReadOnlyList<HookTarget>>> read,
        CancellationToken cancellationToken)
    {
        long before;
        lock (gate)
        {
            before = generation;
        }
        var targets = await read(cancellationToken);
        lock (gate)
        {
            if (listening && generation == before)
            {
                if (entries.Count >= MaxEntries)
                {
                    entries.Clear();
                }
                entries[key] = targets;
            }
        }
        return targets;
    }

    /// <summary>A link changed (or the listener (re)connected or lost its connection): forget everything.</summary>
    public void Invalidate(bool listening)
    {
        lock (gate)
        {
            generation++;
            this.listening = listening;
            entries.Clear();
        }
    }

    public static string GitLabKey(long gitlabProjectId) => "gitlab:" + gitlabProjectId;

    public static string GitHubKey(string repository) => "github:" + repository.ToLowerInvariant();
}
