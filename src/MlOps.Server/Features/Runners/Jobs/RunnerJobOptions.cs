namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>`RunnerJobs:*`: timing of the job protocol.</summary>
public sealed class RunnerJobOptions
{
    public const string Section = "RunnerJobs";

    /// <summary>How long a running job stays a runner's without a heartbeat; then it is retried or failed.
    /// Short leases find dead runners sooner but cost more heartbeats.</summary>
    public int LeaseSeconds { get; set; } = 60;

    /// <summary>How long a job request waits for a job before answering 204.</summary>
    public double LongPollSeconds { get; set; } = 30;

    /// <summary>How often the lease reaper looks for lapsed leases.</summary>
    public double ReapIntervalSeconds { get; set; } = 5;

    public int HeartbeatSeconds => Math.Max(1, LeaseSeconds / 3);
}
