using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure;

/// <summary>
/// Removes what an interrupted upload leaves on disk: LFS uploads in `lfs/tmp/` and the quarantine
/// folders (`objects/tmp_objdir-incoming-*`) in which `git receive-pack` holds a push until it is
/// accepted. A crash or `kill -9` mid-upload leaves them behind, and nothing else ever removes them.
/// At start-up every one goes (no upload of this process can be running yet); afterwards, once an
/// hour, those untouched for <see cref="StorageOptions.UploadTemporaryGrace"/>, so a slow upload
/// that is still writing keeps its file.
/// </summary>
public sealed class UploadTemporaries(IOptions<StorageOptions> storage, TimeProvider clock, ILogger<UploadTemporaries> logger)
    : BackgroundService
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Clean(TimeSpan.Zero);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            Clean(storage.Value.UploadTemporaryGrace);
        }
    }

    /// <summary>Deletes the temporaries not written to for <paramref name="grace"/>; returns how many went.</summary>
    public int Clean(TimeSpan grace)
    {
        var root = storage.Value.FullDataDir;
        var cutoff = clock.GetUtcNow().UtcDateTime - grace;
        var removed = 0;
        foreach (var path in Candidates(root))
        {
            try
            {
                if (LastWrite(path) > cutoff)
                {
                    continue;
                }
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else
                {
                    File.Delete(path);
                }
                removed++;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone already (a push finished meanwhile) or not ours to delete: the next pass sees.
                logger.LogDebug(e, "Could not remove upload temporary {Path}", path);
            }
        }
        if (removed > 0)
        {
            logger.LogInformation("Removed {Count} upload temporaries left by interrupted uploads", removed);
        }
        return removed;
    }

    private static IEnumerable<string> Candidates(string root)
    {
        var lfsTemp = Path.Combine(root, "lfs", "tmp");
        var lfs = Directory.Exists(lfsTemp) ? Directory.EnumerateFileSystemEntries(lfsTemp) : [];
        var quarantines = new[] { "repositories", "mirrors" }
            .Select(kind => Path.Combine(root, kind))
            .Where(Directory.Exists)
            .SelectMany(kind => Directory.EnumerateDirectories(kind))
            .SelectMany(shard => Directory.EnumerateDirectories(shard, "*.git"))
            .Select(repository => Path.Combine(repository, "objects"))
            .Where(Directory.Exists)
            .SelectMany(objects => Directory.EnumerateDirectories(objects, "tmp_objdir-incoming-*"));
        // Listed first, deleted after: deleting while enumerating the same folder is not reliable.
        return lfs.Concat(quarantines).ToList();
    }

    /// <summary>The newest write inside a folder (a push writes into its quarantine as it goes).</summary>
    private static DateTime LastWrite(string path)
    {
        if (!Directory.Exists(path))
        {
            return File.GetLastWriteTimeUtc(path);
        }
        var newest = Directory.GetLastWriteTimeUtc(path);
        foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos("*", SearchOption.AllDirectories))
        {
            if (entry.LastWriteTimeUtc > newest)
            {
                newest = entry.LastWriteTimeUtc;
            }
        }
        return newest;
    }
}

public static class UploadTemporariesSetup
{
    /// <summary>Singleton (housekeeping can be asked for a pass), run as a hosted service.</summary>
    public static IServiceCollection AddUploadTemporaries(this IServiceCollection services)
    {
        services.AddSingleton<UploadTemporaries>();
        services.AddHostedService(sp => sp.GetRequiredService<UploadTemporaries>());
        return services;
    }
}
