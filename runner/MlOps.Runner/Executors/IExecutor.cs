using MlOps.Runner.Jobs;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Executors;

/// <summary>What an executor runs: one job's command in its workspace, with its limits.</summary>
public sealed record ExecutionRequest(
    long JobId,
    string Image,
    IReadOnlyList<string> Argv,
    IReadOnlyDictionary<string, string> Env,
    string Workspace,
    IReadOnlyList<string> GpuUuids,
    double Cpus,
    long MemoryBytes,
    bool Network,
    JobPhases? Phases = null)
{
    /// <summary>
    /// Completes when the workspace is staged. An executor may prepare meanwhile (create the
    /// container) but starts the command only after it; when it faults (staging failed), the
    /// executor cleans up and lets the exception through.
    /// </summary>
    public Task Ready { get; init; } = Task.CompletedTask;
}

/// <summary>
/// How the command ended: its exit code, or null when it was stopped (timeout, cancel) or could not start.
/// An image build that succeeded carries the built image's id.
/// </summary>
public sealed record ExecutionResult(int? ExitCode, string? Error = null, string? ImageDigest = null);

/// <summary>
/// A backend that runs jobs (Docker, plain processes). It streams output to <paramref name="output"/>
/// as it comes, feeds <paramref name="usage"/> with samples, and when <paramref name="stop"/>
/// fires (timeout, cancel, shutdown) stops the job within seconds and returns.
/// </summary>
public interface IExecutor
{
    string Name { get; }

    Task<ExecutionResult> RunAsync(ExecutionRequest request, Func<ReadOnlyMemory<byte>, ValueTask> output, UsageMeter usage,
        CancellationToken stop);

    /// <summary>Removes what an earlier run of this runner left behind (a crash, kill -9).</summary>
    Task CleanUpLeftoversAsync(CancellationToken cancellationToken);
}
