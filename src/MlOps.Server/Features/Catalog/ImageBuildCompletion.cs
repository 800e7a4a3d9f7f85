using Dapper;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Moves a `building` version to `ready` (with the image id the runner reported in
/// jobs.image_digest) or `failed` (with the job's failure reason; the log stays the job's log)
/// once its image-build job has finished. Safe to repeat: only versions still building change.
/// The build jobs are looked up by id from the versions still building, so each pass stays a
/// handful of key lookups whatever the jobs table's statistics say.
/// </summary>
public sealed class ImageBuildCompletion(NpgsqlDataSource dataSource, ILogger<ImageBuildCompletion> logger)
{
    private const string Complete = """
        UPDATE operation_versions v SET
            status = CASE WHEN j.status = 'success' AND j.image_digest IS NOT NULL THEN 'ready' ELSE 'failed' END,
            image_digest = CASE WHEN j.status = 'success' THEN j.image_digest ELSE v.image_digest END,
            build_failure = CASE
                WHEN j.status = 'success' AND j.image_digest IS NOT NULL THEN NULL
                WHEN j.status = 'success' THEN 'the build job succeeded but reported no image digest'
                WHEN j.status = 'failed' THEN COALESCE(j.failure_reason, 'the image build failed')
                ELSE 'the image build was ' || j.status END
        FROM jobs j
        WHERE j.id = ANY (ARRAY(SELECT b.build_job_id FROM operation_versions b WHERE b.status = 'building' AND b.build_job_id IS NOT NULL))
          AND v.build_job_id = j.id AND v.status = 'building'
          AND j.status IN ('success', 'failed', 'canceled', 'skipped')
        """;

    /// <summary>Completes every finished build; returns how many versions changed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(Complete, cancellationToken: cancellationToken));
        if (changed > 0)
        {
            logger.LogInformation("{Count} image build(s) finished", changed);
        }
        return changed;
    }
}

/// <summary>
/// Completes image builds as their runs finish: woken by NOTIFY mlops_run_status (sent by
/// advance_run and by claims) through the process's NotificationHub, and every 30 s. Each pass is
/// one statement over the versions still building (operation_versions_building_idx), however many
/// run notifications it answers: under a stream of claims it used to be one query per notification.
/// </summary>
public sealed class ImageBuildListener(NotificationHub hub, ImageBuildCompletion completion, DatabaseOutage outage,
    ILogger<ImageBuildListener> logger)
    : NotifiedLoop(hub, outage, logger, "mlops_run_status", TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(50))
{
    protected override string FailureMessage => "Completing image builds failed; retrying at the next run change";

    protected override Task PassAsync(CancellationToken stoppingToken) => completion.SweepAsync(stoppingToken);
}
