using MlOps.Server.Git;

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
