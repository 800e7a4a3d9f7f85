using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>Reads the shape of an <c>mlops.yml</c>; cross-references are checked later by the validator.</summary>
public static class PipelineParser
{
    private static readonly string[] PipelineKeys = ["description", "on", "params", "env", "secrets", "concurrency", "steps"];

    public static PipelineFile? Parse(string content, ErrorSink errors, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        return YamlTreeReader.Read(content, errors, limits) is { } root ? Read(root, errors, limits) : null;
    }

    internal static PipelineFile? Read(YNode root, ErrorSink errors, YamlLimits limits)
    {
        var r = new NodeReader(errors);
        if (r.Mapping(root, "mlops.yml") is not { } map) return null;
        r.AllowKeys(map, "mlops.yml", ["pipelines"]);
        if (map.Get("pipelines") is not { } pipelinesNode)
        {
            errors.Add(root, "mlops.yml has no pipelines", "pipelines:\n  train:\n    steps: ...");
            return null;
        }
        if (r.Mapping(pipelinesNode, "pipelines") is not { } pipelines) return null;
        var result = new List<PipelineDefinition>();
        foreach (var (key, value) in pipelines.Entries)
            if (ReadPipeline(key, value, r, limits) is { } p) result.Add(p);
        if (pipelines.Entries.Count == 0) errors.Add(pipelinesNode, "pipelines is empty");
        return new PipelineFile(result);
    }

    private static PipelineDefinition? ReadPipeline(YScalar key, YNode node, NodeReader r, YamlLimits limits)
    {
        var name = key.Value;
        if (!Names.StepName().IsMatch(name)) r.Errors.Add(key, $"pipeline name '{name}' is not valid", "use letters, digits, '-' and '_', starting with a letter");
        if (r.Mapping(node, $"pipeline '{name}'") is not { } map) return null;
        r.AllowKeys(map, $"pipeline '{name}'", PipelineKeys);
        var where = $"pipeline '{name}'";

        var triggers = map.Get("on") is { } on ? TriggerParser.Read(on, r, name) : TriggerSpec.ManualOnly;
        var parameters = map.Get("params") is { } p ? ParamSpecParser.ReadAll(p, r, where) : [];
        var env = map.Get("env") is { } e ? EnvParser.ReadEnv(e, r, where) : new Dictionary<string, string>();
        var secrets = map.Get("secrets") is { } s ? EnvParser.ReadSecrets(s, r, where) : [];
        var concurrency = map.Get("concurrency") is { } c ? ConcurrencyParser.Read(c, r, name) : null;

        var steps = new List<StepDefinition>();
        if (map.Get("steps") is not { } stepsNode) r.Errors.Add(key, $"pipeline '{name}' has no steps");
        else if (r.Mapping(stepsNode, $"steps of {where}") is { } stepsMap)
        {
            if (stepsMap.Entries.Count > limits.MaxSteps)
                r.Errors.Add(stepsNode, $"pipeline '{name}' has {stepsMap.Entries.Count} steps; the limit is {limits.MaxSteps}", "split it into several pipelines");
            else if (stepsMap.Entries.Count == 0)
                r.Errors.Add(stepsNode, $"pipeline '{name}' has no steps");
            else
                foreach (var (stepKey, stepNode) in stepsMap.Entries)
                    if (StepParser.Read(stepKey, stepNode, r) is { } step) steps.Add(step);
        }
        return new PipelineDefinition(name, key.Line, key.Column, triggers, parameters, env, secrets, steps) { Concurrency = concurrency };
    }
}
