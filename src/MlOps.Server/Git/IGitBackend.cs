namespace MlOps.Server.Git;

/// <summary>
/// Where a project's repository lives. The server itself only ever reads a local bare repository
/// (<see cref="LocalPath"/>): the repository itself for the embedded backend, a mirror for GitLab.
/// </summary>
public interface IGitBackend
{
    /// <summary>`embedded` or `gitlab`, as stored in `projects.git_backend`.</summary>
    string Kind { get; }

    /// <summary>The local bare repository that browsing and pipeline compilation read.</summary>
    string LocalPath(long projectId);

    /// <summary>Brings the local repository up to date after a push event; safe to repeat.</summary>
    Task SyncAsync(long projectId, CancellationToken cancellationToken);

    /// <summary>Shows a pipeline's state on a commit where the host can show it.</summary>
    Task SetCommitStatusAsync(long projectId, CommitStatus status, CancellationToken cancellationToken);

    /// <summary>Removes what this backend keeps on disk for a deleted project.</summary>
    void DeleteLocal(long projectId);
}

/// <summary>A commit status in GitLab's vocabulary: pending, running, success, failed, canceled.</summary>
public sealed record CommitStatus(string Sha, string State, string Name, string? TargetUrl, string? Description, string? Ref);
