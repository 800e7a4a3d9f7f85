using MlOps.Contracts.Runner;

namespace MlOps.Runner.Executors;

/// <summary>An image build: the job's checked-out workspace, what to build from it, and whether the build may reach the network.</summary>
public sealed record ImageBuildRequest(long JobId, string Workspace, ImageBuildSpec Spec, bool Network);

/// <summary>
/// Builds an operation's image (the publish job of a `build: Dockerfile` operation) and answers its
/// id. Only the Docker executor has one: the image must land in the engine that later runs it.
/// </summary>
public interface IImageBuilder
{
    Task<ExecutionResult> BuildAsync(ImageBuildRequest request, Func<ReadOnlyMemory<byte>, ValueTask> output, CancellationToken stop);
}
