using System.Collections.Concurrent;
using LibGit2Sharp;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// The local bare mirror of a GitLab-hosted repository, fetched with LibGit2Sharp: branches and
/// tags exactly as GitLab has them (forced, pruned). Safe to repeat; one fetch per project at a time.
/// </summary>
public sealed class GitLabMirror(RepositoryPaths paths, GitLabLinkRepository links, SecretProtector secrets,
    OutboundPolicy outbound, ILogger<GitLabMirror> logger)
{
    private static readonly string[] RefSpecs = ["+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"];
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
            // Links stored before this check existed are checked too: the URL came from outside,
            // and what an earlier fetch brought from it is not served any longer.
            if (ForgeCloneUrl.Refusal(new Uri(link.BaseUrl), link.HttpUrlToRepo) is not null)
            {
                Delete(projectId);
            }
            var url = ForgeCloneUrl.Require("GitLab", new Uri(link.BaseUrl), link.HttpUrlToRepo);
            // libgit2 connects by itself, so the guard checks the address just before it does.
            await outbound.EnsureAllowedAsync(url, cancellationToken);
            var path = paths.Mirror(projectId);
            var token = secrets.Unprotect(link.TokenEncrypted);
            await Task.Run(() => Fetch(path, url, token), cancellationToken);
            await links.MarkFetchedAsync(projectId, RepositoryPaths.SizeOf(path), CancellationToken.None);
            logger.LogInformation("Fetched GitLab mirror of project {ProjectId} from {GitLabPath}", projectId, link.GitlabPath);
        }
        finally
        {
            gate.Release();
        }
    }

    private static void Fetch(string path, Uri checkedUrl, string token)
    {
        var url = checkedUrl.AbsoluteUri;
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
            // GitLab accepts any username with an access token as the password. libgit2 follows a
            // redirect of the first request (LibGit2Sharp offers no switch for it): the token only
            // ever goes to the host that passed the checks.
            CredentialsProvider = (asked, _, _) => Uri.TryCreate(asked, UriKind.Absolute, out var target)
                && ForgeCloneUrl.Refusal(checkedUrl, target.AbsoluteUri) is null
                    ? new UsernamePasswordCredentials { Username = "oauth2", Password = token }
                    : throw new LibGit2SharpException($"The repository redirected to {target?.Host}, which is not the GitLab of the link."),
        };
        Commands.Fetch(repo, "origin", RefSpecs, options, "mlops mirror fetch");
    }

    public void Delete(long projectId) => EmbeddedGitBackend.DeleteDirectory(paths.Mirror(projectId), logger);
}
