using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Moves a `building` version to `ready` (with the image id the runner reported in
/// jobs.image_digest) or `failed` (with the job's failure reason; the log stays the job's log)
/// once its image-build job has finished. Safe to repeat: only versions still building change.
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
        WHERE v.build_job_id = j.id AND v.status = 'building'
          AND j.status IN ('success', 'failed', 'canceled', 'skipped')
        """;

    /// <summary>Completes the build of the run <paramref name="runId"/>, if it is one and has finished; returns how many versions changed.</summary>
    public async Task<int> CompleteRunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition(Complete + " AND j.run_id = @runId", new { runId },
            cancellationToken: cancellationToken));
        if (changed > 0)
        {
            logger.LogInformation("Image build of run {RunId} finished", runId);
        }
        return changed;
    }

    /// <summary>Completes every finished build: at start-up and after the listener reconnects, so no notification is ever lost for good.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(Complete, cancellationToken: cancellationToken));
    }
}

/// <summary>Listens for NOTIFY mlops_run_status (sent by advance_run) and completes image builds as their runs finish.</summary>
public sealed class ImageBuildListener(NpgsqlDataSource dataSource, ImageBuildCompletion completion, ILogger<ImageBuildListener> logger)
    : BackgroundService
{
    public const string Channel = "mlops_run_status";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                // Losing the connection means the database went away, which the server already
                // reports once (DatabaseOutage); the sweep after reconnecting catches up, so this
                // is not a warning of its own.
                logger.LogDebug(e, "Listening for run status changes failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        var runs = System.Threading.Channels.Channel.CreateUnbounded<long>();
        connection.Notification += (_, e) =>
        {
            if (long.TryParse(e.Payload, out var runId))
            {
                runs.Writer.TryWrite(runId);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }
        // Anything that finished while nobody listened.
        await completion.SweepAsync(stoppingToken);
        var handler = Task.Run(async () =>
        {
            await foreach (var runId in runs.Reader.ReadAllAsync(stoppingToken))
            {
                await completion.CompleteRunAsync(runId, stoppingToken);
            }
        }, stoppingToken);
        try
        {
            while (!stoppingToken.IsCancellationRequested && !handler.IsCompleted)
            {
                await connection.WaitAsync(stoppingToken);
            }
        }
        finally
        {
            runs.Writer.TryComplete();
        }
        await handler;
    }
}
