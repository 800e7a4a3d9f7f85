namespace MlOps.Contracts.Runner;

// The job half of the runner protocol. JSON is snake_case on the wire. Calls about one job carry
// that job's token in the `JOB-TOKEN` header (as GitLab's runner API does), never the runner token.

/// <summary>What a runner can take on now; sent with every job request so the server matches jobs to it.</summary>
public sealed record RunnerCapacity(
    int Concurrency,
    string Executor,
    IReadOnlyList<string>? Tags = null,
    IReadOnlyList<GpuDevice>? Gpus = null,
    double Cpus = 0,
    long MemoryBytes = 0,
    bool AllowNetwork = false);

/// <summary>`POST /api/v1/runner/jobs/request`: long poll; 201 with a <see cref="JobPayload"/>, 204 when none came within ~30 s.</summary>
public sealed record JobRequest(string Token, RunnerCapacity Capacity);

/// <summary>A claimed job: everything the runner needs to run it, and the token that is valid only while it runs.</summary>
public sealed record JobPayload(
    long Id,
    long RunId,
    string Name,
    int Attempt,
    string JobToken,
    string Project,
    string Ref,
    string CommitSha,
    /// <summary>Smart-HTTP URL of the project's repository; fetch it with the job token as password.</summary>
    string RepositoryUrl,
    JobSpec Spec,
    /// <summary>Indices/UUIDs of the GPUs (or MIG devices) given to this job alone.</summary>
    IReadOnlyList<string> GpuUuids,
    IReadOnlyDictionary<string, string> Secrets,
    IReadOnlyList<JobDependency> Dependencies,
    /// <summary>Bytes of log the job already has (an earlier attempt's); appends start here.</summary>
    long LogOffset,
    int LeaseSeconds,
    int HeartbeatSeconds);

/// <summary>The frozen compiled job, as the runner needs it.</summary>
public sealed record JobSpec(
    string Image,
    bool Checkout,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<JobSpecInput> Inputs,
    IReadOnlyList<JobSpecOutput> Outputs,
    int Gpus,
    string? GpuModel,
    double Cpus,
    long MemoryBytes,
    int TimeoutSeconds,
    string Network,
    /// <summary>Set on an operation's image build: instead of running a command, build the checked-out repository into an image.</summary>
    ImageBuildSpec? ImageBuild = null);

/// <summary>
/// `docker build -f <see cref="Dockerfile"/> -t <see cref="Target"/> --label k=v… <see cref="Context"/>` over the
/// checked-out repository (paths relative to its root). Only runners with the Docker executor take these jobs.
/// </summary>
public sealed record ImageBuildSpec(string Context, string Dockerfile, string Target, IReadOnlyDictionary<string, string> Labels);

/// <summary>An input to stage: `repository` (a path of this repository), `project` (another project at a ref) or `step`.</summary>
public sealed record JobSpecInput(string Name, string Kind, string? Project, string? Ref, string? Path, string? Step, string? Output,
    string StagePath, string? RepositoryUrl = null);

public sealed record JobSpecOutput(string Name, string Type, string Path);

/// <summary>An artifact of an earlier job (of this run, or the job a cached one reuses) to place at <see cref="StagePath"/>.</summary>
public sealed record JobDependency(long ArtifactId, string Step, string Output, string Type, string Format, string StagePath, long SizeBytes, string Sha256);

/// <summary>
/// `PUT /api/v1/runner/jobs/{id}`: a heartbeat (`running`) or the end (`success`, `failed`, `handed_back`). A failure
/// says its kind (<see cref="FailureKinds"/>), which `retry: when:` matches; none is taken as a script failure.
/// An image build's `success` carries the built image's id (`sha256:` and 64 hex) as <see cref="ImageDigest"/>.
/// </summary>
public sealed record JobUpdate(string State, int? ExitCode = null, string? FailureReason = null, JobUsageReport? Usage = null,
    string? FailureKind = null, string? ImageDigest = null);

/// <summary>Kinds of failure, named as GitLab's `retry: when:` names them.</summary>
public static class FailureKinds
{
    /// <summary>The command exited non-zero, or did not write a declared output.</summary>
    public const string Script = "script_failure";
    /// <summary>The job passed its timeout.</summary>
    public const string StuckOrTimeout = "stuck_or_timeout_failure";
    /// <summary>The runner could not run it: staging, the image, the container.</summary>
    public const string RunnerSystem = "runner_system_failure";

    public static bool IsKnown(string? kind) => kind is Script or StuckOrTimeout or RunnerSystem;
}

/// <summary>What the server wants: `running` (carry on), `canceled` (stop now).</summary>
public sealed record JobUpdateResponse(string Status);

public static class JobStates
{
    public const string Running = "running";
    public const string Success = "success";
    public const string Failed = "failed";
    /// <summary>The runner is stopping and gives the job back untouched; it is queued again without using an attempt.</summary>
    public const string HandedBack = "handed_back";
    public const string Canceled = "canceled";
}

/// <summary>Usage of this attempt so far (cumulative, not a delta); the last one sent before the end is final.</summary>
public sealed record JobUsageReport(
    double WallSeconds,
    double CpuCoreSeconds,
    long MemoryPeakBytes,
    double MemoryGbSeconds,
    long DiskReadBytes,
    long DiskWriteBytes,
    long NetworkRxBytes,
    long NetworkTxBytes,
    long ArtifactBytes,
    IReadOnlyList<GpuUsageReport>? Gpus = null);

public sealed record GpuUsageReport(string Uuid, string Model, double GpuSeconds, double AvgUtilization, long PeakMemoryBytes);

/// <summary>`POST /api/v1/runner/jobs/{id}/metrics`: values the job reported (a `metrics` output or `::metric` log lines).</summary>
public sealed record MetricsReport(IReadOnlyList<MetricPoint> Metrics);

public sealed record MetricPoint(string Name, double Value, long? Step = null);

/// <summary>Problem extension on a refused log append (416): where the log ends, so the runner resumes there.</summary>
public sealed record LogSize(long Size);

public static class JobHeaders
{
    public const string JobToken = "JOB-TOKEN";
    public const string Sha256 = "X-Checksum-Sha256";
    public const string LogSize = "X-Log-Size";
}
