namespace MlOps.Pipelines.Compilation;

// Plain records for the wire: the server serializes them with System.Text.Json (snake_case).
// Every path is relative to the job's workspace, which the runner makes the working directory.

public sealed record JobGraph(string Pipeline, string Project, string Client, string CommitSha, string Ref, IReadOnlyList<Job> Jobs)
{
    /// <summary>The group whose older runs this run supersedes; null only in graphs stored before the key existed.</summary>
    public RunConcurrency? Concurrency { get; init; }
}

public sealed record Job(
    string Name,
    int Stage,
    string Image,
    OperationIdentity? Operation,
    /// <summary>Inline steps run in a checkout of the repository at the commit; operations see only their staged inputs.</summary>
    bool Checkout,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> Secrets,
    IReadOnlyList<JobInput> Inputs,
    IReadOnlyList<JobOutput> Outputs,
    ResourceRequest Resources,
    int TimeoutSeconds,
    IReadOnlyList<string> Needs,
    IReadOnlyDictionary<string, object> Params,
    string CacheKey,
    bool Cacheable,
    string Client)
{
    /// <summary>Runner tags the job needs (the runs feature copies them to jobs.tags).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>none</c> or <c>bridge</c>.</summary>
    public string Network { get; init; } = "none";

    /// <summary>Further attempts when the runner is lost or after a failure of a kind in <see cref="RetryWhen"/>: jobs.max_attempts = Retry + 1.</summary>
    public int Retry { get; init; } = 2;

    /// <summary>The failures the runner reports that are retried: always, script_failure, stuck_or_timeout_failure, runner_system_failure.</summary>
    public IReadOnlyList<string> RetryWhen { get; init; } = [];
}

/// <param name="ImageDigest">The image's digest when the catalog knows it (a built image's id); a runner may check the image it runs against it.</param>
public sealed record OperationIdentity(string Owner, string Name, string Version, string CommitSha, string? ImageDigest = null);

public static class InputKinds
{
    public const string Repository = "repository";
    public const string Project = "project";
    public const string Step = "step";
    /// <summary>An artifact of a job of an earlier run: <see cref="JobInput.Run"/>, <see cref="JobInput.Step"/> (the job name), <see cref="JobInput.Output"/>.</summary>
    public const string Run = "run";
}

/// <summary>What to place at <see cref="StagePath"/> before the job starts.</summary>
public sealed record JobInput(
    string Name,
    string Kind,
    string? Project,
    string? Ref,
    string? Path,
    string? Step,
    string? Output,
    string StagePath,
    string ContentId,
    long? Run = null);

/// <summary>What to collect from <see cref="Path"/> when the job succeeds.</summary>
public sealed record JobOutput(string Name, string Type, string Path);

public sealed record ResourceRequest(int Gpus, string? GpuModel, double Cpus, long MemoryBytes);
