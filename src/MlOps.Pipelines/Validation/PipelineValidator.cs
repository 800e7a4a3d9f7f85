using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Validation;

/// <summary>
/// Checks what the parser cannot see alone: operations and their versions, params against their
/// declared types, needs and output references, cycles. Every problem is reported, not the first.
/// </summary>
public static class PipelineValidator
{
    /// <summary>Resolves every distinct <c>uses:</c> once; the validator itself then stays synchronous.</summary>
    public static async ValueTask<IReadOnlyDictionary<OperationRef, OperationLookup>> ResolveAllAsync(
        PipelineFile file, IOperationResolver resolver, CancellationToken ct)
    {
        var result = new Dictionary<OperationRef, OperationLookup>();
        foreach (var step in file.Pipelines.SelectMany(p => p.Steps))
            if (step.Uses is { } u && !result.ContainsKey(u))
                result[u] = await resolver.ResolveAsync(u.Owner, u.Name, u.Version, ct);
        return result;
    }

    public static List<ValidatedPipeline> Validate(PipelineFile file, IReadOnlyDictionary<OperationRef, OperationLookup> operations,
        CompileContext context, ErrorSink errors)
    {
        var selected = file.Pipelines.Where(p => context.Pipeline is null || p.Name == context.Pipeline).ToList();
        if (context.Pipeline is not null && selected.Count == 0)
            errors.Add(1, 1, $"unknown pipeline '{context.Pipeline}'",
                Suggest.DidYouMeanOrList(context.Pipeline, file.Pipelines.Select(p => p.Name).ToList(), "pipelines"));
        return selected.Select(p => ValidatePipeline(p, operations, context, errors)).OfType<ValidatedPipeline>().ToList();
    }

    private static ValidatedPipeline? ValidatePipeline(PipelineDefinition pipeline, IReadOnlyDictionary<OperationRef, OperationLookup> operations,
        CompileContext context, ErrorSink errors)
    {
        var before = errors.Errors.Count;
        var pipelineParams = PipelineParams(pipeline, context, errors);
        var byName = pipeline.Steps.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var stepNames = pipeline.Steps.Select(s => s.Name).ToList();
        CheckEnvNames(pipeline, errors);
        // Steps whose operation is unknown or unparsable: their outputs are unknown too, not missing.
        var broken = new HashSet<string>(StringComparer.Ordinal);

        // First pass: each step's operation and the outputs others may reference.
        var ops = new Dictionary<string, ResolvedOperation?>(StringComparer.Ordinal);
        var outputs = new Dictionary<string, List<ResolvedOutput>>(StringComparer.Ordinal);
        foreach (var step in pipeline.Steps)
        {
            ops[step.Name] = step.Uses is { } u ? Lookup(step, u, operations, errors) : null;
            if (step.UsesInvalid || (step.Uses is not null && ops[step.Name] is null)) broken.Add(step.Name);
            outputs[step.Name] = ops[step.Name] is { } op
                ? op.Manifest.Outputs.Select(o => new ResolvedOutput(o.Name, o.Type, DefaultPath(step.Name, o.Name))).ToList()
                : step.Outputs.Select(o => new ResolvedOutput(o.Name, o.Type, o.Path ?? DefaultPath(step.Name, o.Name))).ToList();
        }

        // Second pass: references, which may point at any step of the pipeline.
        var deps = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var stepParams = new Dictionary<string, IReadOnlyDictionary<string, ParamValue>>(StringComparer.Ordinal);
        foreach (var step in pipeline.Steps)
        {
            var d = new List<string>();
            foreach (var (need, line, column) in step.Needs)
            {
                if (need == step.Name) errors.Add(line, column, $"step '{step.Name}' needs itself");
                else if (!byName.ContainsKey(need))
                    errors.Add(line, column, $"unknown step '{need}' in needs of step '{step.Name}'", Suggest.DidYouMeanOrList(need, stepNames, "steps"));
                else if (!d.Contains(need)) d.Add(need);
            }
            foreach (var (name, source) in step.Inputs)
                if (source is StepOutputInput so && CheckOutputRef(step, so.Step, so.Output, so.Line, so.Column, outputs, stepNames, errors, broken) && !d.Contains(so.Step))
                    d.Add(so.Step);
            if (step.Run is { } run) CheckScript(step, run, outputs, stepNames, pipelineParams, pipeline, errors, d, broken);
            deps[step.Name] = d;

            if (ops[step.Name] is { } op)
            {
                CheckOperationInputs(step, op, errors);
                stepParams[step.Name] = OperationParams(step, op, pipeline, pipelineParams, errors);
            }
            else stepParams[step.Name] = new Dictionary<string, ParamValue>();
        }

        var (order, cycle) = Graph.Sort(stepNames, deps);
        if (cycle is not null)
        {
            var first = byName[cycle[0]];
            errors.Add(first.Line, first.Column, "cycle: " + string.Join(" -> ", cycle), "remove one of these needs or output references");
        }
        if (errors.Errors.Count > before) return null;

        var stages = new Dictionary<string, int>(StringComparer.Ordinal);
        var steps = new List<ValidatedStep>(order.Count);
        foreach (var name in order)
        {
            var stage = deps[name].Count == 0 ? 1 : deps[name].Max(d => stages[d]) + 1;
            stages[name] = stage;
            steps.Add(new ValidatedStep(byName[name], ops[name], stepParams[name], outputs[name], deps[name], stage));
        }
        return new ValidatedPipeline(pipeline, pipelineParams, steps);
    }

    // Scripts read other steps' outputs as MLOPS_STEPS_<STEP>_OUTPUTS_<NAME>; two steps that spell
    // the same variable name (a-b and a_b, or fit and FIT) would silently read each other's files.
    private static void CheckEnvNames(PipelineDefinition pipeline, ErrorSink errors)
    {
        var seen = new Dictionary<string, StepDefinition>(pipeline.Steps.Count, StringComparer.Ordinal);
        foreach (var step in pipeline.Steps)
        {
            var env = Names.ForEnv(step.Name);
            if (!seen.TryAdd(env, step))
                errors.Add(step.Line, step.Column,
                    $"step '{step.Name}' has the same environment variable name as step '{seen[env].Name}' ({env})",
                    $"rename one of them; in variables such as MLOPS_STEPS_{env}_OUTPUTS_<name> '-' becomes '_' and letters are upper-cased");
        }
    }

    /// <summary>Where an output is written unless an inline step names a path: under .mlops, so GitLab artifacts can carry it too.</summary>
    public static string DefaultPath(string step, string output) => $".mlops/{step}/{output}";

    private static ResolvedOperation? Lookup(StepDefinition step, OperationRef u, IReadOnlyDictionary<OperationRef, OperationLookup> operations, ErrorSink errors)
    {
        var lookup = operations.GetValueOrDefault(u) ?? OperationLookup.UnknownOperation;
        if (lookup.Operation is { } op)
        {
            if (op.Deprecation is { } why)
                errors.Warn(step.UsesLine, step.UsesColumn, $"operation {op.Id} is deprecated: {why}", "pin a newer version");
            return op;
        }
        if (lookup.Refusal is { } refusal)
            errors.Add(step.UsesLine, step.UsesColumn, refusal, lookup.RefusalHint);
        else if (lookup.KnownVersions.Count == 0)
            errors.Add(step.UsesLine, step.UsesColumn, $"unknown operation '{u.Owner}/{u.Name}'", "check the name in the operation catalog");
        else
            errors.Add(step.UsesLine, step.UsesColumn, $"operation '{u.Owner}/{u.Name}' has no version '{u.Version}'",
                "known versions: " + string.Join(", ", lookup.KnownVersions));
        return null;
    }

    internal static bool CheckOutputRef(StepDefinition step, string target, string output, int line, int column,
        Dictionary<string, List<ResolvedOutput>> outputs, List<string> stepNames, ErrorSink errors, IReadOnlySet<string> brokenSteps)
    {
        if (target == step.Name)
        {
            errors.Add(line, column, $"step '{step.Name}' refers to its own output '{output}'", "use ${{ outputs." + output + " }} inside the step");
            return false;
        }
        if (!outputs.TryGetValue(target, out var declared))
        {
            errors.Add(line, column, $"unknown step '{target}' in steps.{target}.outputs.{output}", Suggest.DidYouMeanOrList(target, stepNames, "steps"));
            return false;
        }
        if (declared.Any(o => o.Name == output)) return true;
        if (brokenSteps.Contains(target)) return false;
        var names = declared.Select(o => o.Name).ToList();
        errors.Add(line, column, $"steps.{target} has no output '{output}'",
            names.Count == 0 ? $"step '{target}' declares no outputs" : Suggest.DidYouMean(output, names) ?? "outputs: " + string.Join(", ", names.Order(StringComparer.Ordinal)));
        return false;
    }

    private static void CheckScript(StepDefinition step, string run, Dictionary<string, List<ResolvedOutput>> outputs, List<string> stepNames,
        IReadOnlyDictionary<string, ParamValue> pipelineParams, PipelineDefinition pipeline, ErrorSink errors, List<string> deps, IReadOnlySet<string> broken)
    {
        var (line, column) = (step.RunLine, step.RunColumn);
        foreach (var e in Expressions.FindAll(run))
        {
            switch (e.Scope)
            {
                case "steps":
                    if (CheckOutputRef(step, e.Step!, e.Name, line, column, outputs, stepNames, errors, broken) && !deps.Contains(e.Step!)) deps.Add(e.Step!);
                    break;
                case "params" when pipeline.Params.All(p => p.Name != e.Name):
                    errors.Add(line, column, $"unknown pipeline param '{e.Name}' in run of step '{step.Name}'",
                        Suggest.DidYouMeanOrList(e.Name, pipeline.Params.Select(p => p.Name).ToList(), "params"));
                    break;
                case "inputs" when !step.Inputs.ContainsKey(e.Name):
                    errors.Add(line, column, $"step '{step.Name}' has no input '{e.Name}'", Suggest.DidYouMeanOrList(e.Name, step.Inputs.Keys.ToList(), "inputs"));
                    break;
                case "outputs" when step.Outputs.All(o => o.Name != e.Name):
                    errors.Add(line, column, $"step '{step.Name}' has no output '{e.Name}'", Suggest.DidYouMeanOrList(e.Name, step.Outputs.Select(o => o.Name).ToList(), "outputs"));
                    break;
                case "invalid":
                    errors.Add(line, column, $"'{e.Text}' in run of step '{step.Name}' is not a valid reference", Expressions.Forms);
                    break;
            }
        }
    }

    private static void CheckOperationInputs(StepDefinition step, ResolvedOperation op, ErrorSink errors)
    {
        var declared = op.Manifest.Inputs.Select(i => i.Name).ToList();
        foreach (var (name, source) in step.Inputs)
            if (op.Manifest.FindInput(name) is null)
                errors.Add(source.Line, source.Column, $"operation {op.Id} has no input '{name}'", Suggest.DidYouMeanOrList(name, declared, "inputs"));
        foreach (var input in op.Manifest.Inputs)
            if (input.Required && !step.Inputs.ContainsKey(input.Name))
                errors.Add(step.Line, step.Column, $"step '{step.Name}' is missing required input '{input.Name}'",
                    $"{op.Id} declares inputs: {string.Join(", ", declared)}");
    }

    private static Dictionary<string, ParamValue> OperationParams(StepDefinition step, ResolvedOperation op, PipelineDefinition pipeline,
        IReadOnlyDictionary<string, ParamValue> pipelineParams, ErrorSink errors)
    {
        var result = new Dictionary<string, ParamValue>(StringComparer.Ordinal);
        var declared = op.Manifest.Params.Select(p => p.Name).ToList();
        foreach (var given in step.Params)
        {
            if (op.Manifest.FindParam(given.Name) is not { } spec)
            {
                errors.Add(given.Value, $"operation {op.Id} has no param '{given.Name}'", Suggest.DidYouMeanOrList(given.Name, declared, "params"));
                continue;
            }
            var node = given.Value;
            if (given.PipelineParam is { } pp)
            {
                if (pipeline.Params.All(p => p.Name != pp))
                {
                    errors.Add(node, $"unknown pipeline param '{pp}'", Suggest.DidYouMeanOrList(pp, pipeline.Params.Select(p => p.Name).ToList(), "params"));
                    continue;
                }
                if (!pipelineParams.TryGetValue(pp, out var value)) continue; // optional and unset: the operation's default applies
                node = AsNode(value, node);
            }
            if (ParamValues.Convert(node, spec, errors, $"param '{given.Name}'") is { } v) result[given.Name] = v;
        }
        foreach (var spec in op.Manifest.Params)
        {
            if (result.ContainsKey(spec.Name) || step.Params.Any(p => p.Name == spec.Name && p.PipelineParam is null)) continue;
            if (spec.Default is { } d) result[spec.Name] = d;
            else if (spec.Required && step.Params.All(p => p.Name != spec.Name))
                errors.Add(step.Line, step.Column, $"step '{step.Name}' is missing required param '{spec.Name}'",
                    $"{op.Id} declares it as {ParamValues.TypeName(spec.Type)}");
        }
        return result;
    }

    /// <summary>A pipeline param's value re-read as YAML at the referring node, so one converter checks both.</summary>
    private static YNode AsNode(ParamValue value, YNode at)
    {
        if (value.Items is null) return new YScalar(at.Line, at.Column, value.Text!, true);
        var seq = new YSequence(at.Line, at.Column);
        foreach (var item in value.Items) seq.Items.Add(new YScalar(at.Line, at.Column, item, true));
        return seq;
    }

    private static Dictionary<string, ParamValue> PipelineParams(PipelineDefinition pipeline, CompileContext context, ErrorSink errors)
    {
        var result = new Dictionary<string, ParamValue>(StringComparer.Ordinal);
        foreach (var (name, text) in context.ParamOverrides)
            if (pipeline.Params.All(p => p.Name != name))
                errors.Add(pipeline.Line, pipeline.Column, $"pipeline '{pipeline.Name}' has no param '{name}' to override",
                    Suggest.DidYouMeanOrList(name, pipeline.Params.Select(p => p.Name).ToList(), "params"));
        foreach (var spec in pipeline.Params)
        {
            if (context.ParamOverrides.TryGetValue(spec.Name, out var text))
            {
                var node = OverrideNode(text, spec);
                if (ParamValues.Convert(node, spec, errors, $"override of param '{spec.Name}'") is { } v) result[spec.Name] = v;
            }
            else if (spec.Default is { } d) result[spec.Name] = d;
            else if (spec.Required)
                errors.Add(spec.Line, spec.Column, $"param '{spec.Name}' of pipeline '{pipeline.Name}' is required and has no value", "give it a default, or a value when starting a run");
        }
        return result;
    }

    // Overrides arrive as text from the API; lists are written in YAML flow form, "[a, b]".
    private static YNode OverrideNode(string text, ParamSpec spec)
    {
        var at = (spec.Line, spec.Column);
        if (spec.Type != ParamType.List) return new YScalar(at.Line, at.Column, text, true);
        var sink = new ErrorSink("override");
        var node = YamlTreeReader.Read(text, sink, new YamlLimits { MaxBytes = 64 * 1024, MaxDepth = 4, MaxExpandedNodes = 10_000 });
        if (node is not YSequence parsed) return new YScalar(at.Line, at.Column, text, false);
        var seq = new YSequence(at.Line, at.Column);
        foreach (var item in parsed.Items)
            seq.Items.Add(item is YScalar s ? new YScalar(at.Line, at.Column, s.Value, s.IsPlain) : new YSequence(at.Line, at.Column));
        return seq;
    }
}
