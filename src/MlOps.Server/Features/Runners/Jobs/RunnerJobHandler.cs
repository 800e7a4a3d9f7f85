using System.Diagnostics;
using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>The job half of the runner protocol: long-poll claims, heartbeats, the end of a job.</summary>
public sealed class RunnerJobHandler(JobClaimRepository claims, JobLeaseRepository leases, JobPayloadBuilder payloads,
    JobQueueSignal signal, IOptions<RunnerJobOptions> options, ILogger<RunnerJobHandler> logger)
{
    public const string JobTokenPrefix = JobTokens.Prefix;

    /// <summary>A job for this runner, waiting up to the long-poll time for one; null when none came.</summary>
    public async Task<JobPayload?> RequestAsync(JobRequest request, Uri serverUrl, CancellationToken cancellationToken)
    {
        var capacity = request.Capacity ?? throw new ValidationException("capacity", "capacity is required.");
        new Validator()
            .Check(capacity.Concurrency is >= 1 and <= 1024, "capacity.concurrency", "concurrency must be 1 to 1024.")
            .Check(capacity.Executor is "docker" or "process", "capacity.executor", "executor must be docker or process.")
            .Check((capacity.Tags?.Count ?? 0) <= 50, "capacity.tags", "at most 50 tags.")
            .Check((capacity.Gpus?.Count ?? 0) <= 256, "capacity.gpus", "at most 256 GPUs.")
            .ThrowIfAny();
        var deadline = Stopwatch.StartNew();
        var wait = TimeSpan.FromSeconds(options.Value.LongPollSeconds);
        while (true)
        {
            // Taken before the claim: a job made pending while we claim wakes us again instead of being missed.
            var wake = signal.Current;
            var token = TokenHasher.NewToken(JobTokenPrefix);
            var job = await TryClaimAsync(request.Token ?? "", capacity, token, cancellationToken);
            if (job is not null)
            {
                logger.LogInformation("Job {JobId} (attempt {Attempt}) claimed", job.Id, job.Attempt);
                return await payloads.BuildAsync(job, token, serverUrl, options.Value, cancellationToken);
            }
            var left = wait - deadline.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return null;
            }
            // Also look again now and then: GPUs freed by this runner's own jobs and quota changes send no notification.
            await Task.WhenAny(wake, Task.Delay(left < TimeSpan.FromSeconds(5) ? left : TimeSpan.FromSeconds(5), cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private async Task<ClaimedJob?> TryClaimAsync(string runnerToken, RunnerCapacity capacity, string jobToken, CancellationToken cancellationToken)
    {
        var claim = await claims.ClaimAsync(runnerToken, capacity, jobToken, options.Value.LeaseSeconds, cancellationToken);
        return claim.Outcome switch
        {
            "claimed" => claim,
            "unknown_runner" => throw new ForbiddenException("Unknown runner token: register again."),
            _ => null,
        };
    }

    public async Task<JobUpdateResponse> UpdateAsync(long jobId, JobUpdate update, CancellationToken cancellationToken)
    {
        switch (update.State)
        {
            case JobStates.Running:
                var canceled = await leases.HeartbeatAsync(jobId, options.Value.LeaseSeconds, update.Usage, cancellationToken)
                    ?? throw Gone(jobId);
                return new JobUpdateResponse(canceled ? JobStates.Canceled : JobStates.Running);
            case JobStates.Success or JobStates.Failed:
                var reason = update.FailureReason is { Length: > 1000 } long_ ? long_[..1000] : update.FailureReason;
                if (update.ImageDigest is { } digest && !IsImageId(digest))
                {
                    throw new ValidationException("image_digest", "image_digest must be an image id: sha256: and 64 lower-case hex digits.");
                }
                if (update.FailureKind is not null && !FailureKinds.IsKnown(update.FailureKind))
                {
                    throw new ValidationException("failure_kind",
                        $"failure_kind must be {FailureKinds.Script}, {FailureKinds.StuckOrTimeout} or {FailureKinds.RunnerSystem}.");
                }
                var finished = await leases.FinishAsync(jobId, update.State == JobStates.Success, update.ExitCode,
                    reason ?? (update.State == JobStates.Failed ? "The job failed." : null), update.FailureKind ?? FailureKinds.Script,
                    update.Usage, cancellationToken, update.ImageDigest)
                    ?? throw Gone(jobId);
                logger.LogInformation("Job {JobId} finished: {Status}", jobId, finished.Status);
                return new JobUpdateResponse(finished.Status);
            case JobStates.HandedBack:
                if (!await leases.HandBackAsync(jobId, update.Usage, cancellationToken))
                {
                    throw Gone(jobId);
                }
                return new JobUpdateResponse("pending");
            default:
                throw new ValidationException("state", "state must be running, success, failed or handed_back.");
        }
    }

    private static bool IsImageId(string digest) =>
        digest.Length == 71 && digest.StartsWith("sha256:", StringComparison.Ordinal) && digest[7..].All(char.IsAsciiHexDigitLower);

    private static ForbiddenException Gone(long jobId) =>
        new($"Job {jobId} is not running under this token any more (it finished, or its lease lapsed and it was retried).");
}
