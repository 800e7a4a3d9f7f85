using System.Text.Json;
using Dapper;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

public sealed class ClaimedJob
{
    public long Id { get; init; }
    public long RunId { get; init; }
    public long ProjectId { get; init; }
    public string Name { get; init; } = "";
    public int Attempt { get; init; }
    public string Ref { get; init; } = "";
    public string CommitSha { get; init; } = "";
    public string Spec { get; init; } = "{}";
    public string[] GpuUuids { get; init; } = [];
    public string ProjectPath { get; init; } = "";
    public long LogOffset { get; init; }
}

public sealed record RunnerIdentity(long Id, bool Paused);

/// <summary>
/// Hands pending jobs to runners. A claim is one transaction: the runner's row is locked (so two
/// requests of one runner cannot give the same GPU twice), its capacity recorded, and the oldest
/// matching pending job taken with FOR UPDATE SKIP LOCKED, so concurrent runners never wait on
/// each other and never take the same job.
/// </summary>
public sealed class JobClaimRepository(NpgsqlDataSource dataSource)
{
    public async Task<RunnerIdentity?> RecordCapacityAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string token,
        RunnerCapacity capacity, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<RunnerIdentity>(new CommandDefinition(
            """
            UPDATE runners SET contacted_at = now(), concurrency = @Concurrency, executor = @Executor, tags = @tags,
                               gpus = @gpus::jsonb, cpus = @Cpus, memory_bytes = @MemoryBytes, allow_network = @AllowNetwork
            WHERE token_hash = @hash
            RETURNING id, paused
            """,
            new
            {
                capacity.Concurrency, capacity.Executor, tags = (capacity.Tags ?? []).ToArray(),
                gpus = JsonSerializer.Serialize(capacity.Gpus ?? [], StoredJson.Options), capacity.Cpus, capacity.MemoryBytes,
                capacity.AllowNetwork, hash = TokenHasher.Hash(token),
            }, transaction, cancellationToken: cancellationToken));

    /// <summary>Claims one job for <paramref name="runnerId"/>, or null when none matches. Records quota reasons on jobs it had to skip.</summary>
    public async Task<ClaimedJob?> ClaimAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long runnerId,
        RunnerCapacity capacity, string jobToken, int leaseSeconds, CancellationToken cancellationToken)
    {
        var running = (await connection.QueryAsync<string[]>(new CommandDefinition(
            "SELECT gpu_uuids FROM jobs WHERE runner_id = @runnerId AND status = 'running'",
            new { runnerId }, transaction, cancellationToken: cancellationToken))).ToList();
        if (running.Count >= Math.Max(1, capacity.Concurrency))
        {
            return null;
        }
        var held = running.SelectMany(u => u).ToHashSet(StringComparer.Ordinal);
        var free = (capacity.Gpus ?? []).Where(g => !held.Contains(g.Uuid)).OrderBy(g => g.Index).ToList();
        var tags = (capacity.Tags ?? []).ToArray();

        var job = await connection.QuerySingleOrDefaultAsync<(long Id, int Gpus, string? GpuModel)>(new CommandDefinition(
            """
            SELECT j.id, j.gpus, j.gpu_model FROM jobs j
            WHERE j.status = 'pending'
              AND j.tags <@ @tags
              AND (@cpus = 0 OR j.cpus <= @cpus)
              AND (@memory = 0 OR j.memory_bytes <= @memory)
              AND (@allowNetwork OR COALESCE(j.spec ->> 'network', 'none') = 'none')
              AND (@executor = 'docker' OR j.spec -> 'image_build' IS NULL)
              AND (j.gpus = 0 OR (SELECT count(*) FROM unnest(@freeNames) d WHERE gpu_model_matches(j.gpu_model, d)) >= j.gpus)
              AND job_quota_reason(j.client_id, j.gpus) IS NULL
            ORDER BY j.id
            LIMIT 1
            FOR UPDATE OF j SKIP LOCKED
            """,
            new
            {
                tags, cpus = capacity.Cpus, memory = capacity.MemoryBytes, allowNetwork = capacity.AllowNetwork, executor = capacity.Executor,
                freeNames = free.Select(g => g.Name).ToArray(),
            }, transaction, cancellationToken: cancellationToken));
        if (job.Id == 0)
        {
            await RecordWaitingReasonsAsync(connection, transaction, tags, cancellationToken);
            return null;
        }

        var gpuUuids = job.Gpus == 0 ? [] : (await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT u FROM unnest(@uuids, @names) WITH ORDINALITY AS d(u, n, i)
            WHERE gpu_model_matches(@model, n) ORDER BY i LIMIT @count
            """,
            new { uuids = free.Select(g => g.Uuid).ToArray(), names = free.Select(g => g.Name).ToArray(), model = job.GpuModel, count = job.Gpus },
            transaction, cancellationToken: cancellationToken))).ToArray();

        var claimed = await connection.QuerySingleAsync<ClaimedJob>(new CommandDefinition(
            """
            UPDATE jobs j SET status = 'running', runner_id = @runnerId, token_hash = @hash, gpu_uuids = @gpuUuids,
                              lease_expires_at = now() + make_interval(secs => @leaseSeconds), started_at = now(),
                              waiting_reason = NULL, updated_at = now()
            FROM projects p JOIN namespaces n ON n.id = p.namespace_id
            WHERE j.id = @id AND p.id = j.project_id
            RETURNING j.id, j.run_id, j.project_id, j.name, j.attempt, j.ref, j.commit_sha, j.spec::text AS spec, j.gpu_uuids,
                      n.full_path || '/' || p.path AS project_path,
                      COALESCE((SELECT l.size_bytes FROM job_logs l WHERE l.job_id = j.id), 0) AS log_offset
            """,
            new { id = job.Id, runnerId, hash = TokenHasher.Hash(jobToken), gpuUuids, leaseSeconds = (double)leaseSeconds },
            transaction, cancellationToken: cancellationToken));

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO job_usage (job_id, attempt, runner_id, started_at) VALUES (@Id, @Attempt, @runnerId, now())
            ON CONFLICT (job_id, attempt) DO UPDATE SET runner_id = EXCLUDED.runner_id, started_at = EXCLUDED.started_at;
            SELECT advance_run(@RunId);
            """, new { claimed.Id, claimed.Attempt, claimed.RunId, runnerId }, transaction, cancellationToken: cancellationToken));
        return claimed;
    }

    // Users see why a job waits; only jobs this runner could otherwise take are looked at, and a
    // reason is written only when it changed, so an idle poll writes nothing.
    private static Task RecordWaitingReasonsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] tags,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE jobs j SET waiting_reason = q.reason, updated_at = now()
            FROM (SELECT id, job_quota_reason(client_id, gpus) AS reason FROM jobs
                  WHERE status = 'pending' AND tags <@ @tags) q
            WHERE j.id = q.id AND q.reason IS NOT NULL AND j.waiting_reason IS DISTINCT FROM q.reason
            """, new { tags }, transaction, cancellationToken: cancellationToken));

    public NpgsqlDataSource DataSource => dataSource;
}
