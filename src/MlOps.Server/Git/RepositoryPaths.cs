using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure;

namespace MlOps.Server.Git;

/// <summary>
/// Where repositories live on disk. Paths are derived from the project id alone, never from its
/// name, so renames and transfers don't touch the disk and no user input reaches a file path.
/// </summary>
public sealed class RepositoryPaths(IOptions<StorageOptions> storage)
{
    private string Root => storage.Value.FullDataDir;

    /// <summary>The embedded backend's bare repository.</summary>
    public string Embedded(long projectId) => Sharded("repositories", projectId);

    /// <summary>The GitLab backend's local bare mirror.</summary>
    public string Mirror(long projectId) => Sharded("mirrors", projectId);

    private string Sharded(string kind, long projectId) =>
        Path.Combine(Root, kind, (projectId % 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture),
            projectId.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".git");

    /// <summary>Bytes on disk under a repository directory (objects, packs, refs).</summary>
    public static long SizeOf(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        long total = 0;
        foreach (var file in new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories))
        {
            try
            {
                total += file.Length;
            }
            catch (FileNotFoundException)
            {
                // A concurrent gc or push removed it between listing and stat.
            }
        }
        return total;
    }
}
