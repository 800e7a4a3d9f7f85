namespace MlOps.Server.Features.Repositories;

// Shapes follow GitLab's repository API so that its users and tools read them at once.
public sealed record CommitResponse(string Id, string ShortId, string Title, string Message, string AuthorName, string AuthorEmail,
    DateTimeOffset AuthoredDate, string CommitterName, string CommitterEmail, DateTimeOffset CommittedDate, string[] ParentIds);

public sealed record BranchResponse(string Name, CommitResponse Commit, bool Protected, bool Default);

public sealed record TagResponse(string Name, string? Message, string Target, CommitResponse Commit);

/// <param name="Size">A file's size in bytes as stored in Git (for an LFS file, its pointer's); null for directories.</param>
/// <param name="Lfs">When the file is a Git LFS pointer: the object it stands for, with the real size.</param>
public sealed record TreeEntryResponse(string Id, string Name, string Type, string Path, string Mode, long? Size = null,
    LfsPointer? Lfs = null);

public sealed record ProtectedBranchRequest(string? Name);

public sealed record ProtectedBranchResponse(string Name);

public sealed record PushEventResponse(long Id, string Source, string Ref, string Before, string After, long? PusherId,
    string PusherUsername, DateTime CreatedAt);

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
