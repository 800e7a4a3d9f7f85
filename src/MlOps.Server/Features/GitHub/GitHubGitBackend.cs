using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;
using Octokit;

namespace MlOps.Server.Features.GitHub;

public sealed class GitHubOptions
{
    public const string Section = "GitHub";

    /// <summary>Where repositories are fetched from: the mirror URL is this plus `/owner/name.git`, never taken from a payload.</summary>
    public Uri BaseUrl { get; set; } = new("https://github.com");

    /// <summary>The REST API for commit statuses (GitHub Enterprise: https://host/api/v3).</summary>
    public Uri ApiUrl { get; set; } = new("https://api.github.com");
}

/// <summary>
/// A repository on GitHub: a local bare mirror fetched with the link's token (webhooks say when),
/// commit statuses through Octokit.
/// </summary>
public sealed class GitHubGitBackend(GitHubLinkRepository links, SecretProtector secrets, IOptionsMonitor<GitHubOptions> options,
    IOptions<StorageOptions> storage, OutboundPolicy outbound, GitHubApiClients api, ILogger<GitHubGitBackend> logger) : IGitBackend
{
    public const string KindName = "github";
    private readonly ConcurrentDictionary<long, SemaphoreSlim> fetchLocks = new();

    public string Kind => KindName;

    public string LocalPath(long projectId) => Path.Combine(storage.Value.FullDataDir, "github-mirrors",
        (projectId % 100).ToString("00", System.Globalization.CultureInfo.InvariantCulture), $"{projectId}.git");

    public async Task SyncAsync(long projectId, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(projectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {projectId} is not linked to GitHub.");
        var gate = fetchLocks.GetOrAdd(projectId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var path = LocalPath(projectId);
            if (!Directory.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await GitProcess.RunAsync(null, cancellationToken, "init", "--quiet", "--bare", path);
            }
            // The URL is the configured GitHub plus owner/name, never a payload's; the forge rule and the
            // outbound guard still check it, as for GitLab mirrors. The token travels in a header set
            // through the environment, not in the URL or argv (visible to ps).
            var baseUrl = options.CurrentValue.BaseUrl;
            var url = ForgeCloneUrl.Require("GitHub", baseUrl, $"{baseUrl.ToString().TrimEnd('/')}/{link.Repository}.git");
            await outbound.EnsureAllowedAsync(url, cancellationToken);
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes("x-access-token:" + secrets.Unprotect(link.TokenEncrypted)));
            var info = GitProcess.StartInfo(path, "fetch", "--quiet", "--prune", "--force", "--no-tags", url.AbsoluteUri,
                "+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*", "+refs/pull/*/head:refs/pull/*/head");
            info.Environment["GIT_CONFIG_COUNT"] = "1";
            info.Environment["GIT_CONFIG_KEY_0"] = "http.extraHeader";
            info.Environment["GIT_CONFIG_VALUE_0"] = "Authorization: Basic " + basic;
            using var process = System.Diagnostics.Process.Start(info)!;
            process.StandardInput.Close();
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"Fetching {link.Repository} from GitHub failed: {(await stderr).Trim()}");
            }
            await links.MarkFetchedAsync(projectId, CancellationToken.None);
            logger.LogInformation("Fetched GitHub mirror of project {ProjectId} from {Repository}", projectId, link.Repository);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task SetCommitStatusAsync(long projectId, MlOps.Server.Git.CommitStatus status, CancellationToken cancellationToken)
    {
        var link = await links.FindAsync(projectId, cancellationToken)
            ?? throw new InvalidOperationException($"Project {projectId} is not linked to GitHub.");
        // The API host is checked where the connection is made (GitHubApiClients), not before.
        using var lease = api.Create(secrets.Unprotect(link.TokenEncrypted));
        var slash = link.Repository.IndexOf('/');
        // GitHub has no "running" or "canceled": running is pending, canceled is an error.
        var state = status.State switch
        {
            "success" => CommitState.Success,
            "failed" => CommitState.Failure,
            "canceled" => CommitState.Error,
            _ => CommitState.Pending,
        };
        await lease.Client.Repository.Status.Create(link.Repository[..slash], link.Repository[(slash + 1)..], status.Sha,
            new NewCommitStatus { State = state, Context = status.Name, Description = status.Description, TargetUrl = status.TargetUrl });
    }

    public void DeleteLocal(long projectId) => EmbeddedGitBackend.DeleteDirectory(LocalPath(projectId), logger);
}
