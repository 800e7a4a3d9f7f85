using System.Text.Json;
using Dapper;
using MlOps.Pipelines.Compilation;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>One job of a run the catalog creates: its name, frozen spec and the claim columns copied out of it.</summary>
public sealed record CatalogJob(string Name, object Spec, int Gpus, string? GpuModel, double Cpus, long MemoryBytes,
    int TimeoutSeconds, string? CacheKey, int MaxAttempts, IReadOnlyList<string> Tags)
{
    /// <summary>A compiled job's claim columns, as run creation copies them for pipelines (runner tags; retries + 1 attempts).</summary>
    public static CatalogJob From(Job job) => new(job.Name, job, job.Resources.Gpus, job.Resources.GpuModel, job.Resources.Cpus,
        job.Resources.MemoryBytes, job.TimeoutSeconds, job.CacheKey, job.Retry + 1, job.Tags);
}

/// <summary>A run with trigger `operation`: an image build or a one-step run.</summary>
public sealed record CatalogRun(long ProjectId, long ClientId, string Pipeline, string Ref, string CommitSha, long TriggeredBy,
    string TriggeredByName, object Params, object? Graph, CatalogJob Job);

/// <summary>
/// Writes the catalog's runs into runs/jobs, in the caller's transaction, then advances the run
/// (which makes the job pending and wakes runners). Deliberately small: when push-to-run's run
/// creation lands, this is the one place to swap for it.
/// </summary>
public static class CatalogRunWriter
{
    public static async Task<(long RunId, long JobId)> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CatalogRun run,
        CancellationToken cancellationToken)
    {
        var runId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by, triggered_by_name, params, graph)
            VALUES (@ProjectId, @ClientId, @Pipeline, @Ref, @CommitSha, 'operation', @TriggeredBy, @TriggeredByName,
                    @Params::jsonb, @Graph::jsonb)
            RETURNING id
            """,
            new
            {
                run.ProjectId, run.ClientId, run.Pipeline, run.Ref, run.CommitSha, run.TriggeredBy, run.TriggeredByName,
                Params = JsonSerializer.Serialize(run.Params, StoredJson.Options),
                Graph = run.Graph is null ? null : JsonSerializer.Serialize(run.Graph, StoredJson.Options),
            }, transaction, cancellationToken: cancellationToken));
        var job = run.Job;
        var jobId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, triggered_by, spec,
                              gpus, gpu_model, cpus, memory_bytes, timeout_seconds, cache_key, max_attempts, tags)
            VALUES (@runId, @ProjectId, @ClientId, @Name, @Pipeline, @Ref, @CommitSha, @TriggeredBy, @Spec::jsonb,
                    @Gpus, @GpuModel, @Cpus, @MemoryBytes, @TimeoutSeconds, @CacheKey, @MaxAttempts, @Tags)
            RETURNING id
            """,
            new
            {
                runId, run.ProjectId, run.ClientId, job.Name, run.Pipeline, run.Ref, run.CommitSha, run.TriggeredBy,
                Spec = JsonSerializer.Serialize(job.Spec, StoredJson.Options),
                job.Gpus, job.GpuModel, job.Cpus, job.MemoryBytes, job.TimeoutSeconds, job.CacheKey, job.MaxAttempts, Tags = job.Tags.ToArray(),
            }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("SELECT advance_run(@runId)", new { runId }, transaction,
            cancellationToken: cancellationToken));
        return (runId, jobId);
    }
}
