using System.Text.Json;
using Dapper;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

public sealed class ClaimedJob
{
    /// <summary>claimed, none (nothing matches now), full (the runner runs its concurrency), paused or unknown_runner.</summary>
    public string Outcome { get; init; } = "";
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
    public bool HasNeeds { get; init; }
}

/// <summary>
/// Hands pending jobs to runners. A claim is one statement, the SQL function claim_job
/// (migration 1100): the runner's row is locked (so two requests of one runner cannot give the
/// same GPU twice), its capacity recorded, and the oldest matching pending job taken with FOR
/// UPDATE SKIP LOCKED, so concurrent runners never wait on each other and never take the same
/// job. One round trip per claim is what lets 32 polling runners reach thousands of claims a second.
/// </summary>
public sealed class JobClaimRepository(NpgsqlDataSource dataSource)
{
    public async Task<ClaimedJob> ClaimAsync(string runnerToken, RunnerCapacity capacity, string jobToken, int leaseSeconds,
        CancellationToken cancellationToken)
    {
        var devices = (capacity.Gpus ?? []).OrderBy(g => g.Index).ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<ClaimedJob>(new CommandDefinition(
            """
            SELECT * FROM claim_job(@runnerHash, @Concurrency, @Executor, @tags, @gpus::jsonb, @Cpus, @MemoryBytes, @AllowNetwork,
                                    @uuids, @names, @jobHash, @leaseSeconds)
            """,
            new
            {
                runnerHash = TokenHasher.Hash(runnerToken), capacity.Concurrency, capacity.Executor, tags = (capacity.Tags ?? []).ToArray(),
                gpus = JsonSerializer.Serialize(capacity.Gpus ?? [], StoredJson.Options), capacity.Cpus, capacity.MemoryBytes,
                capacity.AllowNetwork, uuids = devices.Select(g => g.Uuid).ToArray(), names = devices.Select(g => g.Name).ToArray(),
                jobHash = TokenHasher.Hash(jobToken), leaseSeconds = (double)leaseSeconds,
            }, cancellationToken: cancellationToken));
    }
}
