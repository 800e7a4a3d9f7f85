using MlOps.Pipelines.Model;
using MlOps.Pipelines.Resolution;

namespace MlOps.Pipelines.Validation;

/// <summary>An output of a step and where in the job's workspace it is written.</summary>
public sealed record ResolvedOutput(string Name, string Type, string Path);

/// <summary>A step after every reference has been checked: what the compiler consumes.</summary>
public sealed record ValidatedStep(
    StepDefinition Definition,
    ResolvedOperation? Operation,
    IReadOnlyDictionary<string, ParamValue> Params,
    IReadOnlyList<ResolvedOutput> Outputs,
    IReadOnlyList<string> Dependencies,
    int Stage)
{
    public string Name => Definition.Name;
}

/// <summary>A pipeline whose steps are in dependency order (every step after the steps it needs).</summary>
public sealed record ValidatedPipeline(
    PipelineDefinition Definition,
    IReadOnlyDictionary<string, ParamValue> Params,
    IReadOnlyList<ValidatedStep> Steps);
