using System.Data.Common;
using Dapper;
using Npgsql;

namespace MlOps.Server.Features.Runs;

/// <summary>The runs and jobs tables. Every change of job states ends with advance_run in the same transaction.</summary>
public sealed class RunRepository(NpgsqlDataSource dataSource)
{
    private const string RunColumns = """
        id, project_id, pipeline, ref, commit_sha, trigger, status, push_event_id, delivery_id, triggered_by, triggered_by_name,
        params::text AS params, graph::text AS graph, error::text AS error, context::text AS context, concurrency_group, retry_of,
        created_at, started_at, finished_at, updated_at
        """;

    private const string JobColumns = """
        id, run_id, project_id, name, pipeline, ref, commit_sha, status, needs, tags, spec::text AS spec, gpus, gpu_model, cpus,
        memory_bytes, timeout_seconds, cache_key, cached_from, attempt, max_attempts, runner_id, cancel_requested, exit_code,
        failure_reason, waiting_reason, created_at, queued_at, started_at, finished_at
        """;

    public async Task<ProjectInfo?> ProjectAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectInfo>(new CommandDefinition(
            """
            SELECT p.id, n.full_path || '/' || p.path AS full_path, COALESCE(n.parent_id, n.id) AS client_id,
                   COALESCE(root.full_path, n.full_path) AS client_path, p.default_branch, p.git_backend
            FROM projects p JOIN namespaces n ON n.id = p.namespace_id LEFT JOIN namespaces root ON root.id = n.parent_id
            WHERE p.id = @projectId
            """, new { projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>A project by its full path, for inputs that name another project.</summary>
    public async Task<ProjectInfo?> ProjectByPathAsync(string fullPath, CancellationToken cancellationToken)
    {
        var slash = fullPath.LastIndexOf('/');
        if (slash <= 0)
        {
            return null;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectInfo>(new CommandDefinition(
            """
            SELECT p.id, n.full_path || '/' || p.path AS full_path, COALESCE(n.parent_id, n.id) AS client_id,
                   COALESCE(root.full_path, n.full_path) AS client_path, p.default_branch, p.git_backend
            FROM projects p JOIN namespaces n ON n.id = p.namespace_id LEFT JOIN namespaces root ON root.id = n.parent_id
            WHERE lower(n.full_path) = lower(@ns) AND lower(p.path) = lower(@path)
            """, new { ns = fullPath[..slash], path = fullPath[(slash + 1)..] }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Inserts a run with all its jobs, cancels what it supersedes, and advances it, in the caller's
    /// transaction. Null when a run with the same dedup key exists (the event was handled before).
    /// </summary>
    public static async Task<long?> InsertAsync(DbConnection connection, DbTransaction transaction, NewRun run,
        CancellationToken cancellationToken)
    {
        var runId = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
            """
            INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, push_event_id, delivery_id, triggered_by,
                              triggered_by_name, params, graph, error, context, concurrency_group, retry_of, dedup_key)
            VALUES (@ProjectId, @ClientId, @Pipeline, @Ref, @CommitSha, @Kind, @PushEventId, @DeliveryId, @UserId, @UserName,
                    @ParamsJson::jsonb, @GraphJson::jsonb, @ErrorJson::jsonb, @ContextJson::jsonb, @ConcurrencyGroup, @RetryOf, @DedupKey)
            ON CONFLICT (dedup_key) DO NOTHING
            RETURNING id
            """, new
            {
                run.ProjectId, run.ClientId, run.Pipeline, run.Trigger.Ref, run.Trigger.CommitSha, run.Trigger.Kind,
                run.Trigger.PushEventId, run.Trigger.DeliveryId, run.Trigger.UserId, run.Trigger.UserName, run.ParamsJson,
                run.GraphJson, run.ErrorJson, run.ContextJson, run.ConcurrencyGroup, run.Trigger.RetryOf, run.DedupKey,
            }, transaction, cancellationToken: cancellationToken));
        if (runId is null)
        {
            return null;
        }
        foreach (var job in run.Jobs)
        {
            await InsertJobAsync(connection, transaction, runId.Value, run, job, cancellationToken);
        }
        if (run.ConcurrencyGroup is not null)
        {
            await SupersedeAsync(connection, transaction, runId.Value, run, cancellationToken);
        }
        await AdvanceAsync(connection, transaction, runId.Value, cancellationToken);
        return runId;
    }

    // A cacheable job whose key matches an earlier successful job of the project is cached from it:
    // the runner stages that job's outputs instead of running it again.
    private static Task InsertJobAsync(DbConnection connection, DbTransaction transaction, long runId, NewRun run, NewJob job,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, triggered_by, status, needs, tags,
                              max_attempts, spec, gpus, gpu_model, cpus, memory_bytes, timeout_seconds, cache_key, cached_from, finished_at)
            SELECT @runId, @ProjectId, @ClientId, @Name, @Pipeline, @Ref, @CommitSha, @UserId,
                   CASE WHEN hit.id IS NULL THEN 'created' ELSE 'cached' END, @Needs, @Tags, @MaxAttempts, @SpecJson::jsonb,
                   @Gpus, @GpuModel, @Cpus, @MemoryBytes, @TimeoutSeconds, @CacheKey, hit.id,
                   CASE WHEN hit.id IS NULL THEN NULL ELSE now() END
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (
                SELECT COALESCE(@CachedFrom, (
                    SELECT j.id FROM jobs j
                    WHERE @Cacheable AND j.project_id = @ProjectId AND j.cache_key = @CacheKey AND j.status = 'success'
                    ORDER BY j.id DESC LIMIT 1)) AS id
            ) AS hit ON true
            """, new
            {
                runId, run.ProjectId, run.ClientId, job.Name, Pipeline = run.Pipeline ?? "", run.Trigger.Ref, run.Trigger.CommitSha,
                run.Trigger.UserId, Needs = job.Needs.ToArray(), Tags = job.Tags.ToArray(), job.MaxAttempts, job.SpecJson, job.Gpus, job.GpuModel, job.Cpus, job.MemoryBytes,
                job.TimeoutSeconds, job.CacheKey, job.CachedFrom, job.Cacheable,
            }, transaction, cancellationToken: cancellationToken));

    // A newer run of the same concurrency group cancels the older runs' jobs that have not started
    // (and asks running ones to stop when the group says so). Older = smaller id: ids follow creation.
    private static async Task SupersedeAsync(DbConnection connection, DbTransaction transaction, long runId, NewRun run,
        CancellationToken cancellationToken)
    {
        var older = await connection.QueryAsync<long>(new CommandDefinition(
            """
            SELECT id FROM runs
            WHERE project_id = @ProjectId AND concurrency_group = @ConcurrencyGroup AND id < @runId
              AND status IN ('created', 'pending', 'running')
            ORDER BY id
            """, new { run.ProjectId, run.ConcurrencyGroup, runId }, transaction, cancellationToken: cancellationToken));
        foreach (var id in older)
        {
            await CancelJobsAsync(connection, transaction, id, $"superseded by run {runId}", run.CancelRunning, cancellationToken);
        }
    }

    /// <summary>
    /// The one cancel path: a run's jobs not started become canceled at once; with
    /// <paramref name="stopRunning"/> running ones are asked to stop (the runner's next heartbeat is
    /// answered "canceled"); then the run advances.
    /// </summary>
    private static async Task CancelJobsAsync(DbConnection connection, DbTransaction transaction, long runId, string reason,
        bool stopRunning, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE jobs SET status = 'canceled', finished_at = now(), updated_at = now(), failure_reason = @reason
            WHERE run_id = @runId AND status IN ('created', 'pending');
            UPDATE jobs SET cancel_requested = true, updated_at = now()
            WHERE @stopRunning AND run_id = @runId AND status = 'running' AND NOT cancel_requested;
            """, new { runId, reason, stopRunning }, transaction, cancellationToken: cancellationToken));
        await AdvanceAsync(connection, transaction, runId, cancellationToken);
    }

    public static Task AdvanceAsync(DbConnection connection, DbTransaction transaction, long runId, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition("SELECT advance_run(@runId)", new { runId }, transaction,
            cancellationToken: cancellationToken));

    public async Task<long?> CreateAsync(NewRun run, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await InsertAsync(connection, transaction, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return id;
    }

    public async Task<RunRow?> RunAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RunRow>(new CommandDefinition(
            $"SELECT {RunColumns} FROM runs WHERE id = @runId", new { runId }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<JobRow>> JobsAsync(long runId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<JobRow>(new CommandDefinition(
            $"SELECT {JobColumns} FROM jobs WHERE run_id = @runId ORDER BY id", new { runId }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<JobRow?> JobAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            $"SELECT {JobColumns} FROM jobs WHERE id = @jobId", new { jobId }, cancellationToken: cancellationToken));
    }

    /// <summary>A project's runs, newest first, after the keyset cursor; one more than asked.</summary>
    public async Task<IReadOnlyList<RunRow>> ListAsync(long projectId, string? pipeline, string? gitRef, string? status, long? before,
        int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<RunRow>(new CommandDefinition(
            $"""
            SELECT {RunColumns} FROM runs
            WHERE project_id = @projectId AND (@before::bigint IS NULL OR id < @before)
              AND (@pipeline::text IS NULL OR pipeline = @pipeline) AND (@gitRef::text IS NULL OR ref = @gitRef)
              AND (@status::text IS NULL OR status = @status)
            ORDER BY id DESC LIMIT @limit
            """, new { projectId, pipeline, gitRef, status, before, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Cancels a run: jobs not started become canceled at once; running ones are asked to stop (the
    /// runner's next heartbeat is answered "canceled"), and the run advances.
    /// </summary>
    public async Task CancelAsync(long runId, string reason, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await CancelJobsAsync(connection, transaction, runId, reason, stopRunning: true, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
