using LibGit2Sharp;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Catalog;

/// <summary>Reads an operation's repository (read-only) through its Git backend's local copy.</summary>
public sealed class OperationSource(GitBackends backends)
{
    public const string ManifestFile = "operation.yml";
    public const string ReadmeFile = "README.md";

    /// <summary>The commit a ref names, or null (also when the repository has no commits yet).</summary>
    public Task<string?> CommitAsync(ProjectAccess project, string gitRef, CancellationToken cancellationToken) =>
        CommitAsync(project.ProjectId, project.GitBackend, gitRef, cancellationToken);

    public async Task<string?> CommitAsync(long projectId, string gitBackend, string gitRef, CancellationToken cancellationToken)
    {
        var path = backends.For(gitBackend).LocalPath(projectId);
        if (!Directory.Exists(path))
        {
            return null;
        }
        return await Task.Run(() => Read(path, repo => repo.Lookup<Commit>(gitRef)?.Sha), cancellationToken);
    }

    public Task<string?> ManifestTextAsync(ProjectAccess project, string commitSha, CancellationToken cancellationToken) =>
        TextAsync(project.ProjectId, project.GitBackend, commitSha, ManifestFile, cancellationToken);

    public async Task<bool> IsFileAsync(ProjectAccess project, string commitSha, string file, CancellationToken cancellationToken)
    {
        if (file.StartsWith('/') || file.Split('/').Contains(".."))
        {
            return false;
        }
        var path = backends.For(project.GitBackend).LocalPath(project.ProjectId);
        return await Task.Run(() => Read(path, repo => repo.Lookup<Commit>(commitSha)?[file]?.Target is Blob), cancellationToken);
    }

    /// <summary>A small text file at a commit; null when missing or too large to be a definition or readme.</summary>
    public async Task<string?> TextAsync(long projectId, string gitBackend, string commitSha, string file, CancellationToken cancellationToken)
    {
        var path = backends.For(gitBackend).LocalPath(projectId);
        if (!Directory.Exists(path))
        {
            return null;
        }
        return await Task.Run(() => Read(path, repo =>
            repo.Lookup<Commit>(commitSha)?[file]?.Target is Blob { Size: <= MaxTextBytes } blob ? blob.GetContentText() : null), cancellationToken);
    }

    private const long MaxTextBytes = 1024 * 1024;

    // Read-only and short-lived: a repository handle per read, as pushes may repack underneath.
    private static T? Read<T>(string path, Func<Repository, T?> read)
    {
        using var repo = new Repository(path);
        return read(repo);
    }
}
