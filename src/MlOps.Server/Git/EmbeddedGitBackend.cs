namespace MlOps.Server.Git;

/// <summary>Bare repositories on the server's disk, served over smart HTTP by the GitHttp feature (which installs the push hook before each push).</summary>
public sealed class EmbeddedGitBackend(RepositoryPaths paths, ILogger<EmbeddedGitBackend> logger) : IGitBackend
{
    public const string KindName = "embedded";

    public string Kind => KindName;

    public string LocalPath(long projectId) => paths.Embedded(projectId);

    /// <summary>
    /// Creates the bare repository unless it exists. It is built in a temporary directory and
    /// renamed into place, so a concurrent reader never sees a half-initialised repository.
    /// </summary>
    public async Task EnsureCreatedAsync(long projectId, string defaultBranch, CancellationToken cancellationToken)
    {
        var path = paths.Embedded(projectId);
        if (Directory.Exists(path))
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temp = $"{path}.tmp-{Guid.NewGuid():N}";
        try
        {
            await GitProcess.RunAsync(null, cancellationToken, "init", "--quiet", "--bare", "--initial-branch=" + defaultBranch, temp);
            // Corrupt or malicious objects are refused at push time, not discovered later.
            await GitProcess.RunAsync(temp, cancellationToken, "config", "receive.fsckObjects", "true");
            await GitProcess.RunAsync(temp, cancellationToken, "config", "http.receivepack", "true");
            Directory.Move(temp, path);
        }
        catch (IOException) when (Directory.Exists(path))
        {
            // Another request created it first.
        }
        finally
        {
            DeleteDirectory(temp, logger);
        }
    }

    public Task SetDefaultBranchAsync(long projectId, string branch, CancellationToken cancellationToken) =>
        GitProcess.RunAsync(paths.Embedded(projectId), cancellationToken, "symbolic-ref", "HEAD", "refs/heads/" + branch);

    public Task SyncAsync(long projectId, CancellationToken cancellationToken) => Task.CompletedTask;

    // Embedded projects show statuses in the server's own API and UI; there is no host to send them to.
    public Task SetCommitStatusAsync(long projectId, CommitStatus status, CancellationToken cancellationToken) => Task.CompletedTask;

    public void DeleteLocal(long projectId) => DeleteDirectory(paths.Embedded(projectId), logger);

    internal static void DeleteDirectory(string path, ILogger logger)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException e)
        {
            // Harmless: the id is never reused. A cleanup job may sweep it later.
            logger.LogWarning(e, "Could not remove repository directory {Path}", path);
        }
    }
}
