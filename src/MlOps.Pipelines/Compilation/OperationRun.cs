using System.Text.Json;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Pipelines.Validation;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// A published operation run on its own, without a pipeline (training or batch prediction through
/// <c>POST /api/v1/operations/{owner}/{name}/{version}/runs</c>): compiled exactly as a pipeline of
/// one step that uses it, so params, inputs, resources and the job spec follow the same rules.
/// </summary>
public static class OperationRun
{
    /// <summary>The pipeline name a one-step run and its job carry.</summary>
    public const string PipelineName = "operation";

    /// <summary>
    /// The one-job graph, or null with the problems in <paramref name="errors"/>. <paramref name="inputs"/>
    /// and <paramref name="parameters"/> are JSON objects, <paramref name="tags"/> a list of runner tags,
    /// in the shapes mlops.yml uses for a step.
    /// </summary>
    public static JobGraph? Compile(ResolvedOperation operation, JsonElement? inputs, JsonElement? parameters,
        CompileContext context, ErrorSink errors, JsonElement? tags = null)
    {
        var stepNode = new YMapping(1, 1);
        stepNode.TryAdd(new YScalar(1, 1, "uses", false), new YScalar(1, 1, operation.Id, false));
        if (inputs is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } i)
            stepNode.TryAdd(new YScalar(1, 1, "inputs", false), JsonNodes.From(i));
        if (parameters is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } p)
            stepNode.TryAdd(new YScalar(1, 1, "params", false), JsonNodes.From(p));
        if (tags is { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } t)
            stepNode.TryAdd(new YScalar(1, 1, "tags", false), JsonNodes.From(t));

        var reader = new NodeReader(errors);
        var step = StepParser.Read(new YScalar(1, 1, operation.Name, false), stepNode, reader);
        if (step is null || step.Uses is null || errors.HasErrors) return null;

        var pipeline = new PipelineDefinition(PipelineName, 1, 1, TriggerSpec.ManualOnly, [], new Dictionary<string, string>(), [], [step]);
        var operations = new Dictionary<OperationRef, OperationLookup> { [step.Uses] = OperationLookup.Found(operation) };
        var validated = PipelineValidator.Validate(new PipelineFile([pipeline]), operations, context with { Pipeline = null }, errors);
        return errors.HasErrors || validated.Count != 1 ? null : PipelineCompiler.Compile(validated[0], context);
    }
}
