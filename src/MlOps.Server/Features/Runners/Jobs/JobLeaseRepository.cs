using Dapper;
using MlOps.Contracts.Runner;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

public sealed record FinishedJob(long RunId, string Status);

/// <summary>
/// The life of a claimed job: heartbeats that renew its lease and record usage so far, its end,
/// a hand-back, and the reaping of lapsed leases. Every state change calls advance_run in the
/// same transaction. A runner acts only on a job it still holds (status running, its token), so a
/// runner whose lease lapsed can never change the job another runner now runs.
/// </summary>
public sealed class JobLeaseRepository(NpgsqlDataSource dataSource)
{
    /// <summary>Renews the lease; null when the job is no longer running (finished, reaped or retried elsewhere).</summary>
    public async Task<bool?> HeartbeatAsync(long jobId, int leaseSeconds, JobUsageReport? usage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await connection.QuerySingleOrDefaultAsync<(int Attempt, bool CancelRequested)>(new CommandDefinition(
            """
            UPDATE jobs SET lease_expires_at = now() + make_interval(secs => @leaseSeconds), updated_at = now()
            WHERE id = @jobId AND status = 'running'
            RETURNING attempt, cancel_requested
            """, new { jobId, leaseSeconds = (double)leaseSeconds }, transaction, cancellationToken: cancellationToken));
        if (job.Attempt == 0)
        {
            return null;
        }
        if (usage is not null)
        {
            await UsageWriter.WriteAsync(connection, transaction, jobId, job.Attempt, usage, final: false, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return job.CancelRequested;
    }

    /// <summary>
    /// Ends a running job; a failure after a cancel request is recorded as canceled. A failure of a
    /// kind its `retry: when:` lists, with attempts left, queues the job again as a new attempt
    /// (status pending): the failed attempt keeps its usage row and its part of the log.
    /// </summary>
    public async Task<FinishedJob?> FinishAsync(long jobId, bool success, int? exitCode, string? failureReason, string failureKind,
        JobUsageReport? usage, CancellationToken cancellationToken, string? imageDigest = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await connection.QuerySingleOrDefaultAsync<(long RunId, int Attempt, string Status)>(new CommandDefinition(
            """
            WITH me AS (
                SELECT id, NOT @success AND NOT cancel_requested AND attempt < max_attempts AND job_retries(spec, @failureKind) AS again
                FROM jobs WHERE id = @jobId AND status = 'running' FOR UPDATE)
            UPDATE jobs j SET
                status = CASE WHEN me.again THEN 'pending' WHEN @success THEN 'success' WHEN cancel_requested THEN 'canceled' ELSE 'failed' END,
                attempt = CASE WHEN me.again THEN j.attempt + 1 ELSE j.attempt END,
                exit_code = CASE WHEN me.again THEN NULL ELSE @exitCode END,
                failure_reason = CASE WHEN @success OR me.again THEN NULL ELSE @failureReason END,
                image_digest = CASE WHEN @success THEN @imageDigest ELSE j.image_digest END,
                finished_at = CASE WHEN me.again THEN NULL ELSE now() END,
                queued_at = CASE WHEN me.again THEN now() ELSE j.queued_at END,
                runner_id = CASE WHEN me.again THEN NULL ELSE j.runner_id END,
                updated_at = now(), token_hash = NULL, lease_expires_at = NULL, gpu_uuids = '{}'
            FROM me WHERE j.id = me.id
            RETURNING j.run_id, j.attempt - CASE WHEN me.again THEN 1 ELSE 0 END, j.status
            """, new { jobId, success, exitCode, failureReason, failureKind, imageDigest }, transaction, cancellationToken: cancellationToken));
        if (job.RunId == 0)
        {
            return null;
        }
        await UsageWriter.WriteAsync(connection, transaction, jobId, job.Attempt, usage, final: true, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            job.Status == "pending" ? $"SELECT advance_run(@RunId); SELECT pg_notify('{JobQueueSignal.Channel}', @RunId::text)" : "SELECT advance_run(@RunId)",
            new { job.RunId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new FinishedJob(job.RunId, job.Status);
    }

    /// <summary>
    /// A stopping runner gives a job back: it is queued again at once. It moves to a new attempt so
    /// the usage already measured stays with the attempt that used it, and max_attempts grows by
    /// one because the job did not fail.
    /// </summary>
    public async Task<bool> HandBackAsync(long jobId, JobUsageReport? usage, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var job = await connection.QuerySingleOrDefaultAsync<(long RunId, int Attempt)>(new CommandDefinition(
            """
            UPDATE jobs SET status = 'pending', attempt = attempt + 1, max_attempts = max_attempts + 1, runner_id = NULL,
                            token_hash = NULL, lease_expires_at = NULL, gpu_uuids = '{}', queued_at = now(), updated_at = now()
            WHERE id = @jobId AND status = 'running'
            RETURNING run_id, attempt - 1
            """, new { jobId }, transaction, cancellationToken: cancellationToken));
        if (job.RunId == 0)
        {
            return false;
        }
        await UsageWriter.WriteAsync(connection, transaction, jobId, job.Attempt, usage, final: true, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"SELECT advance_run(@RunId); SELECT pg_notify('{JobQueueSignal.Channel}', @RunId::text)", new { job.RunId }, transaction,
            cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Running jobs whose lease lapsed (their runner died or lost the server) are queued again
    /// with attempt + 1, or failed after max_attempts. Their token dies with the lease, so the old
    /// runner, if it comes back, is refused. Their usage up to the last heartbeat is kept, final.
    /// SKIP LOCKED lets several server replicas reap at once without doing a job twice.
    /// </summary>
    public async Task<int> ReapLapsedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var reaped = (await connection.QueryAsync<(long Id, long RunId, int Attempt, string Status)>(new CommandDefinition(
            """
            WITH lapsed AS (
                SELECT id, attempt AS old_attempt FROM jobs
                WHERE status = 'running' AND lease_expires_at < now()
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs j SET
                status = CASE WHEN j.attempt < j.max_attempts THEN 'pending' ELSE 'failed' END,
                attempt = CASE WHEN j.attempt < j.max_attempts THEN j.attempt + 1 ELSE j.attempt END,
                failure_reason = CASE WHEN j.attempt < j.max_attempts THEN NULL
                                      ELSE format('The runner stopped reporting (lease lapsed) on attempt %s of %s.', j.attempt, j.max_attempts) END,
                finished_at = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE now() END,
                queued_at = CASE WHEN j.attempt < j.max_attempts THEN now() ELSE j.queued_at END,
                runner_id = CASE WHEN j.attempt < j.max_attempts THEN NULL ELSE j.runner_id END,
                token_hash = NULL, lease_expires_at = NULL, gpu_uuids = '{}', updated_at = now()
            FROM lapsed WHERE j.id = lapsed.id
            RETURNING j.id, j.run_id, lapsed.old_attempt, j.status
            """, transaction: transaction, cancellationToken: cancellationToken))).ToList();
        foreach (var job in reaped)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE job_usage SET final = true, finished_at = reported_at WHERE job_id = @Id AND attempt = @Attempt",
                new { job.Id, job.Attempt }, transaction, cancellationToken: cancellationToken));
        }
        foreach (var runId in reaped.Select(j => j.RunId).Distinct())
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT advance_run(@runId)", new { runId }, transaction,
                cancellationToken: cancellationToken));
        }
        if (reaped.Any(j => j.Status == "pending"))
        {
            await connection.ExecuteAsync(new CommandDefinition($"SELECT pg_notify('{JobQueueSignal.Channel}', 'requeued')",
                transaction: transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return reaped.Count;
    }
}
