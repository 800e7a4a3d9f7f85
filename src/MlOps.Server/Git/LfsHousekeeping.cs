using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Git;

public sealed class LfsHousekeepingOptions
{
    public const string Section = "Lfs:Housekeeping";

    /// <summary>How long an uploaded object may wait for a ref to reach it before it is collected (`Lfs:Housekeeping:GracePeriod`).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan GracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often the collection runs.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>
/// Collects LFS objects that no ref reaches. An object uploaded for a push that was then refused
/// (or never sent) is linked to the project but never counted; after the grace period, each such
/// link is checked against every ref of the project: reached ones (the pointer arrived in a later
/// push, or the objects were uploaded after their commits) start to count, the others are
/// unlinked, and objects no project links any more are deleted from disk.
/// </summary>
public sealed class LfsHousekeeping(LfsRepository lfs, LfsObjectStore store, GitBackends backends, TimeProvider clock,
    IOptions<LfsHousekeepingOptions> options, ILogger<LfsHousekeeping> logger) : BackgroundService
{
    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - options.Value.GracePeriod;
        foreach (var (projectId, backend) in await lfs.ProjectsWithUnreachableAsync(cutoff, cancellationToken))
        {
            var waiting = await lfs.UnreachableAsync(projectId, cutoff, cancellationToken);
            var path = backends.For(backend).LocalPath(projectId);
            var reached = Directory.Exists(path)
                ? await LfsPointerScan.OidsAsync(path, null, [], cancellationToken)
                : new HashSet<string>();
            var found = waiting.Where(reached.Contains).ToList();
            var lost = waiting.Where(o => !reached.Contains(o)).ToList();
            if (found.Count > 0)
            {
                await lfs.MarkReachableAsync(projectId, found, cancellationToken);
            }
            await lfs.UnlinkAsync(projectId, lost, cancellationToken);
            logger.LogInformation("LFS housekeeping of project {ProjectId}: {Reached} objects now counted, {Unlinked} unlinked",
                projectId, found.Count, lost.Count);
        }
        foreach (var oid in await lfs.DeleteOrphansAsync(cutoff, cancellationToken))
        {
            store.Delete(oid);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CollectAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Collection only frees space; the next round tries again.
                logger.LogWarning(e, "LFS housekeeping failed");
            }
        }
    }
}
