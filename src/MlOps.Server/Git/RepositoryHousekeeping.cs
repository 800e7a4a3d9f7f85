using System.Collections.Concurrent;
using System.Threading.Channels;
using MlOps.Server.Namespaces;

namespace MlOps.Server.Git;

/// <summary>
/// Repacks an embedded repository after pushes, in the background: one pack with a reachability
/// bitmap is what makes `git upload-pack` fast (a clone of 10,000 commits takes half as long), and
/// it keeps the number of packs that every fetch has to search small. Requests are coalesced per
/// project; a push never waits for this. Git's own locking makes a repack safe next to a push.
/// </summary>
public sealed class RepositoryHousekeeping(EmbeddedGitBackend embedded, ProjectStore projects,
    ILogger<RepositoryHousekeeping> logger) : BackgroundService
{
    /// <summary>Repack once there are this many packs (each push of more than 100 objects adds one).</summary>
    public const int MaxPacks = 4;

    private readonly Channel<long> queue = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<long, bool> pending = new();

    /// <summary>Asks for housekeeping of a project's repository if it needs it; returns at once.</summary>
    public void Request(long projectId)
    {
        if (NeedsRepack(embedded.LocalPath(projectId)) && pending.TryAdd(projectId, true))
        {
            queue.Writer.TryWrite(projectId);
        }
    }

    public static bool NeedsRepack(string repositoryPath)
    {
        var pack = Path.Combine(repositoryPath, "objects", "pack");
        if (!Directory.Exists(pack))
        {
            return false;
        }
        var packs = Directory.GetFiles(pack, "*.pack").Length;
        // Loose objects estimated the way `git gc --auto` does: one of the 256 fan-out folders.
        var sample = Path.Combine(repositoryPath, "objects", "17");
        var looseEstimate = Directory.Exists(sample) ? Directory.GetFiles(sample).Length * 256 : 0;
        return packs >= MaxPacks || looseEstimate > 6700 || (packs > 0 && Directory.GetFiles(pack, "*.bitmap").Length == 0);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var projectId in queue.Reader.ReadAllAsync(stoppingToken))
        {
            pending.TryRemove(projectId, out _);
            var path = embedded.LocalPath(projectId);
            try
            {
                if (!NeedsRepack(path))
                {
                    continue;
                }
                // -a -d: everything into one pack, then drop the packs and loose objects it
                // replaces; -b: write the bitmap. Unreachable objects are kept (no prune).
                await GitProcess.RunAsync(path, stoppingToken, "repack", "-a", "-d", "-b", "-q");
                await projects.SetRepositorySizeAsync(projectId, RepositoryPaths.SizeOf(path), stoppingToken);
                logger.LogInformation("Repacked the repository of project {ProjectId}", projectId);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // The repository stays usable, just slower to serve; the next push tries again.
                logger.LogWarning(e, "Housekeeping of project {ProjectId} failed", projectId);
            }
        }
    }
}
