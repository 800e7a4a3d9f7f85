using System.Collections.Concurrent;
using LibGit2Sharp;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// The local bare mirror of a GitLab-hosted repository, fetched with LibGit2Sharp: branches and
/// tags exactly as GitLab has them (forced, pruned). Safe to repeat; one fetch per project at a time.
/// </summary>
public sealed class GitLabMirror(RepositoryPaths paths, GitLabLinkRepository links, SecretProtector secrets,
    ILogger<GitLabMirror> logger)
{
    private static readonly string[] RefSpecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*",
        "+refs/merge-requests/*/head:refs/merge-requests/*/head"];
    private readonly ConcurrentDictionary<long, SemaphoreSlim> locks = new();

    /// <summary>Fetches the project's mirror; the webhook endpoint calls this on each push event.</summary>
    public async Task FetchAsync(long projectId, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(projectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {projectId} is not linked to GitLab.");
        var gate = locks.GetOrAdd(projectId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var path = paths.Mirror(projectId);
            var token = secrets.Unprotect(link.TokenEncrypted);
            await Task.Run(() => Fetch(path, link.HttpUrlToRepo, token), cancellationToken);
            await links.MarkFetchedAsync(projectId, RepositoryPaths.SizeOf(path), CancellationToken.None);
            logger.LogInformation("Fetched GitLab mirror of project {ProjectId} from {GitLabPath}", projectId, link.GitlabPath);
        }
        finally
        {
            gate.Release();
        }
    }

    private static void Fetch(string path, string url, string token)
    {
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Repository.Init(path, isBare: true);
        }
        using var repo = new Repository(path);
        if (repo.Network.Remotes["origin"] is { } remote)
        {
            if (remote.Url != url)
            {
                repo.Network.Remotes.Update("origin", r => r.Url = url);
            }
        }
        else
        {
            repo.Network.Remotes.Add("origin", url);
        }
        var options = new FetchOptions
        {
            Prune = true,
            TagFetchMode = TagFetchMode.None,
            // GitLab accepts any username with an access token as the password.
            CredentialsProvider = (_, _, _) => new UsernamePasswordCredentials { Username = "oauth2", Password = token },
        };
        Commands.Fetch(repo, "origin", RefSpecs, options, "mlops mirror fetch");
    }

    public void Delete(long projectId) => EmbeddedGitBackend.DeleteDirectory(paths.Mirror(projectId), logger);
}
