using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Staging;

/// <summary>
/// Pristine checkouts (working tree, .git and LFS files) of recent (repository, commit) pairs, kept
/// beside the builds folder: a job at a commit this runner has already fetched (every later step of
/// a run, a rerun) gets a copy, with no git process and no round trip to the server. Only exact
/// commits are kept, never refs (a ref moves). A copy is taken before any job runs in the folder, and
/// jobs only ever see copies, so nothing a job does reaches the cache. Bounded in count and size;
/// any failure here falls back to fetching.
/// </summary>
public sealed class CheckoutCache(IOptions<RunnerSettings> settings, ILogger<CheckoutCache> logger)
{
    private const int Keep = 16;
    private const long MaxBytes = 256L * 1024 * 1024;

    private string Root => Path.Combine(settings.Value.BuildsDir, ".checkouts");

    /// <summary>Copies the cached checkout of <paramref name="commit"/> into <paramref name="directory"/>; false when there is none.</summary>
    public bool TryRestore(string url, string commit, string directory)
    {
        var cached = Path.Combine(Root, Key(url, commit));
        if (!Directory.Exists(cached))
        {
            return false;
        }
        try
        {
            CopyTree(cached, directory);
            Directory.SetLastWriteTimeUtc(cached, DateTime.UtcNow);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Evicted while we copied, or damaged: fetch instead, from an empty folder.
            logger.LogDebug("Cached checkout of {Commit} unusable ({Error}); fetching", commit, e.Message);
            Directory.Delete(directory, recursive: true);
            Directory.CreateDirectory(directory);
            return false;
        }
    }

    /// <summary>Keeps a copy of a fresh checkout (before its job runs), unless it is large.</summary>
    public void Save(string url, string commit, string directory)
    {
        var target = Path.Combine(Root, Key(url, commit));
        var temp = target + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        try
        {
            if (Directory.Exists(target) || SizeOf(new DirectoryInfo(directory)) > MaxBytes)
            {
                return;
            }
            CopyTree(directory, temp);
            // The move is atomic: a reader sees a whole checkout or none.
            Directory.Move(temp, target);
            Evict();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("Not caching the checkout of {Commit}: {Error}", commit, e.Message);
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    private void Evict()
    {
        foreach (var old in new DirectoryInfo(Root).GetDirectories().Where(d => !d.Name.EndsWith(".tmp", StringComparison.Ordinal))
                     .OrderByDescending(d => d.LastWriteTimeUtc).Skip(Keep))
        {
            old.Delete(recursive: true);
        }
    }

    private static string Key(string url, string commit) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(url + "\n" + commit)))[..32];

    private static long SizeOf(DirectoryInfo directory) =>
        directory.EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Sum(f => f.Length);

    // Files keep their mode (File.Copy carries it on Unix); symbolic links stay links, never followed.
    private static void CopyTree(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos("*", new EnumerationOptions { AttributesToSkip = 0 }))
        {
            var to = Path.Combine(target, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(to, link);
            }
            else if (entry is DirectoryInfo)
            {
                CopyTree(entry.FullName, to);
            }
            else
            {
                File.Copy(entry.FullName, to, overwrite: true);
            }
        }
    }
}
