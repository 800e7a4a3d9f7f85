using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Model;

namespace MlOps.Server.Features.Runs;

/// <summary>
/// Which runs a new run supersedes. By default a push run's group is its pipeline and ref, so a
/// newer push to a branch cancels the older run's jobs that have not started; manual and scheduled
/// runs supersede nothing unless the pipeline names a group (<c>concurrency:</c>, see
/// docs/pipeline-language.md), which every run of the pipeline then joins.
/// </summary>
public sealed record ConcurrencySpec(string Group, bool CancelRunning, string? ExplicitGroup)
{
    public static ConcurrencySpec For(PipelineDefinition pipeline, string gitRef)
    {
        var resolved = RunConcurrency.For(pipeline, gitRef);
        return new(resolved.Group, resolved.CancelRunning, resolved.Explicit ? resolved.Group : null);
    }
}
