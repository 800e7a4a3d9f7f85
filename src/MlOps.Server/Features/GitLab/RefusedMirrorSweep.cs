using Dapper;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Outbound;
using Npgsql;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// At start-up, after migrations: a link stored before the clone-URL rule existed may have fetched
/// its mirror from another project's repository on this disk, and browsing would serve it. Such
/// mirrors are deleted (the link stays; its next fetch is refused with the reason), so nothing
/// fetched from a refused URL is served. Safe to repeat; a server with no links does one query.
/// </summary>
public sealed class RefusedMirrorSweep(NpgsqlDataSource dataSource, RepositoryPaths paths, ILogger<RefusedMirrorSweep> logger)
    : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        IEnumerable<(long ProjectId, string BaseUrl, string HttpUrlToRepo)> links;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            links = await connection.QueryAsync<(long ProjectId, string BaseUrl, string HttpUrlToRepo)>(new CommandDefinition(
                "SELECT project_id, base_url, http_url_to_repo FROM gitlab_links", cancellationToken: cancellationToken));
        }
        catch (NpgsqlException e)
        {
            // The server starts without its database (it answers 503 meanwhile); each fetch checks again.
            logger.LogWarning("Could not check the GitLab mirrors at start-up: {Reason}", e.Message);
            return;
        }
        foreach (var link in links)
        {
            var mirror = paths.Mirror(link.ProjectId);
            if (Directory.Exists(mirror) && (!Uri.TryCreate(link.BaseUrl, UriKind.Absolute, out var baseUrl)
                    || ForgeCloneUrl.Refusal(baseUrl, link.HttpUrlToRepo) is not null))
            {
                logger.LogWarning("Deleting the GitLab mirror of project {ProjectId}: it was fetched from a URL the mirror no longer fetches",
                    link.ProjectId);
                EmbeddedGitBackend.DeleteDirectory(mirror, logger);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
