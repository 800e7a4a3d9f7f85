namespace MlOps.Server.Git;

/// <summary>A Git LFS pointer file (git-lfs spec v1): what is in Git instead of a large file.</summary>
public sealed record LfsPointer(string Oid, long Size)
{
    private const string Version = "version https://git-lfs.github.com/spec/v1";

    /// <summary>Pointer files are small text; anything over this cannot be one.</summary>
    public const int MaxSize = 1024;

    public static LfsPointer? Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 3 || lines[0] != Version)
        {
            return null;
        }
        var oid = lines.FirstOrDefault(l => l.StartsWith("oid sha256:", StringComparison.Ordinal))?["oid sha256:".Length..];
        var size = lines.FirstOrDefault(l => l.StartsWith("size ", StringComparison.Ordinal))?["size ".Length..];
        return oid is { Length: 64 } && long.TryParse(size, System.Globalization.CultureInfo.InvariantCulture, out var bytes)
            ? new LfsPointer(oid, bytes)
            : null;
    }
}
