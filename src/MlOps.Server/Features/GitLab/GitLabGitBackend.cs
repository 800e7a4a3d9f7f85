using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.GitLab;

/// <summary>A repository hosted on GitLab: read through a local mirror, statuses written back over REST.</summary>
public sealed class GitLabGitBackend(RepositoryPaths paths, GitLabMirror mirror, GitLabLinkRepository links, GitLabClient client,
    SecretProtector secrets) : IGitBackend
{
    public const string KindName = "gitlab";

    public string Kind => KindName;

    public string LocalPath(long projectId) => paths.Mirror(projectId);

    public Task SyncAsync(long projectId, CancellationToken cancellationToken) => mirror.FetchAsync(projectId, cancellationToken);

    public async Task SetCommitStatusAsync(long projectId, CommitStatus status, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(projectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {projectId} is not linked to GitLab.");
        await client.CreateCommitStatusAsync(Connection(link), link.GitlabProjectId, status.Sha, status.State, status.Name,
            status.TargetUrl, status.Description, status.Ref, cancellationToken);
    }

    public void DeleteLocal(long projectId) => mirror.Delete(projectId);

    public GitLabConnection Connection(GitLabLinkRow link) => new(new Uri(link.BaseUrl), secrets.Unprotect(link.TokenEncrypted));
}
