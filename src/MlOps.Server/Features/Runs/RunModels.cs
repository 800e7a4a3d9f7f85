namespace MlOps.Server.Features.Runs;

/// <summary>What run creation needs to know of a project (the graph has paths, the tables ids).</summary>
public sealed class ProjectInfo
{
    public long Id { get; init; }
    public string FullPath { get; init; } = "";
    public long ClientId { get; init; }
    public string ClientPath { get; init; } = "";
    public string DefaultBranch { get; init; } = "";
    public string GitBackend { get; init; } = "";
}

/// <summary>Why a run is made: the trigger kind, the commit, who, and where it came from.</summary>
public sealed record RunTrigger(
    string Kind,
    string Ref,
    string CommitSha,
    long? UserId,
    string UserName,
    long? PushEventId = null,
    long? DeliveryId = null,
    long? RetryOf = null);

/// <summary>A job row to insert: the frozen spec and the columns copied out of it for claiming.</summary>
public sealed record NewJob(
    string Name,
    IReadOnlyList<string> Needs,
    string SpecJson,
    int Gpus,
    string? GpuModel,
    double Cpus,
    long MemoryBytes,
    int TimeoutSeconds,
    string? CacheKey,
    bool Cacheable,
    long? CachedFrom = null)
{
    /// <summary>Runner tags the job needs (copied out of the spec so that the claim can match them).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Attempts when the runner is lost: the step's <c>retry:</c> + 1.</summary>
    public int MaxAttempts { get; init; } = 3;
}

/// <summary>A run to insert with all its jobs in one transaction.</summary>
public sealed record NewRun(
    long ProjectId,
    long ClientId,
    string? Pipeline,
    RunTrigger Trigger,
    string ParamsJson,
    string? GraphJson,
    string? ErrorJson,
    string ContextJson,
    string? ConcurrencyGroup,
    bool CancelRunning,
    string? DedupKey,
    IReadOnlyList<NewJob> Jobs);

public sealed class RunRow
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string? Pipeline { get; init; }
    public string Ref { get; init; } = "";
    public string CommitSha { get; init; } = "";
    public string Trigger { get; init; } = "";
    public string Status { get; init; } = "";
    public long? PushEventId { get; init; }
    public long? DeliveryId { get; init; }
    public long? TriggeredBy { get; init; }
    public string TriggeredByName { get; init; } = "";
    public string Params { get; init; } = "{}";
    public string? Graph { get; init; }
    public string? Error { get; init; }
    public string Context { get; init; } = "{}";
    public string? ConcurrencyGroup { get; init; }
    public long? RetryOf { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

public sealed class JobRow
{
    public long Id { get; init; }
    public long RunId { get; init; }
    public long ProjectId { get; init; }
    public string Name { get; init; } = "";
    public string Pipeline { get; init; } = "";
    public string Ref { get; init; } = "";
    public string CommitSha { get; init; } = "";
    public string Status { get; init; } = "";
    public string[] Needs { get; init; } = [];
    public string[] Tags { get; init; } = [];
    public string Spec { get; init; } = "{}";
    public int Gpus { get; init; }
    public string? GpuModel { get; init; }
    public double Cpus { get; init; }
    public long MemoryBytes { get; init; }
    public int TimeoutSeconds { get; init; }
    public string? CacheKey { get; init; }
    public long? CachedFrom { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public long? RunnerId { get; init; }
    public bool CancelRequested { get; init; }
    public int? ExitCode { get; init; }
    public string? FailureReason { get; init; }
    public string? WaitingReason { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime? QueuedAt { get; init; }
    public DateTime? StartedAt { get; init; }
    public DateTime? FinishedAt { get; init; }
}
