using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// A run's concurrency group with its placeholders filled in. <see cref="Explicit"/> says the
/// pipeline named the group itself: then manual and scheduled runs join it too, where the default
/// group (pipeline and ref) only groups runs that pushes start.
/// </summary>
public sealed record RunConcurrency(string Group, bool CancelRunning, bool Explicit)
{
    public static RunConcurrency For(PipelineDefinition pipeline, string gitRef)
    {
        var definition = pipeline.Concurrency;
        var template = definition?.Group ?? ConcurrencyDefinition.DefaultGroup;
        var group = ConcurrencyParser.Placeholder().Replace(template, m => m.Groups[1].Value.Trim() switch
        {
            "pipeline" => pipeline.Name,
            "ref" => gitRef,
            "ref_name" => RefName(gitRef),
            _ => m.Value,
        });
        return new RunConcurrency(group, definition?.CancelRunning ?? false, definition?.Group is not null);
    }

    private static string RefName(string gitRef) =>
        gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef["refs/heads/".Length..]
        : gitRef.StartsWith("refs/tags/", StringComparison.Ordinal) ? gitRef["refs/tags/".Length..]
        : gitRef;
}
