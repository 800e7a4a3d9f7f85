using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Validation;

namespace MlOps.Pipelines.Compilation;

/// <summary>Turns a validated pipeline into jobs for our runners. Pure: the same input gives the same graph.</summary>
public static class PipelineCompiler
{
    public const int DefaultTimeoutSeconds = 3600;
    public static readonly ResourceRequest DefaultResources = new(0, null, 1, 2L << 30);

    public static JobGraph Compile(ValidatedPipeline pipeline, CompileContext context)
    {
        var jobs = new Dictionary<string, Job>(pipeline.Steps.Count, StringComparer.Ordinal);
        var list = new List<Job>(pipeline.Steps.Count);
        // Many steps share an operation; its command template is split once, not once per job.
        var commands = new Dictionary<OperationManifest, ParsedCommand>(ReferenceEqualityComparer.Instance);
        foreach (var step in pipeline.Steps)
        {
            var job = CompileStep(step, pipeline, context, jobs, commands);
            jobs[step.Name] = job;
            list.Add(job);
        }
        return new JobGraph(pipeline.Definition.Name, context.Project, context.EffectiveClient, context.CommitSha, context.Ref, list)
        {
            Concurrency = RunConcurrency.For(pipeline.Definition, context.Ref),
        };
    }

    private static Job CompileStep(ValidatedStep step, ValidatedPipeline pipeline, CompileContext context, Dictionary<string, Job> upstream,
        Dictionary<OperationManifest, ParsedCommand> commands)
    {
        var def = step.Definition;
        var inputs = new List<JobInput>(def.Inputs.Count);
        foreach (var (name, source) in def.Inputs) inputs.Add(StageInput(def.Name, name, source, context, upstream));
        if (inputs.Count > 1) inputs.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var outputs = new List<JobOutput>(step.Outputs.Count);
        foreach (var o in step.Outputs) outputs.Add(new JobOutput(o.Name, o.Type, o.Path));

        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in pipeline.Definition.Env) env[k] = v;
        foreach (var (k, v) in def.Env) env[k] = v;
        var key = new CacheKey();
        foreach (var (k, v) in env) key.Add("env." + k, v);

        env["MLOPS_PIPELINE"] = pipeline.Definition.Name;
        env["MLOPS_STEP"] = def.Name;
        env["MLOPS_PROJECT"] = context.Project;
        env["MLOPS_COMMIT"] = context.CommitSha;
        foreach (var i in inputs) env["MLOPS_INPUTS_" + Names.ForEnv(i.Name)] = i.StagePath;
        foreach (var o in outputs) env["MLOPS_OUTPUTS_" + Names.ForEnv(o.Name)] = o.Path;

        List<string> argv;
        string image;
        IReadOnlyDictionary<string, ParamValue> parameters;
        if (step.Operation is { } op)
        {
            image = op.ImageReference;
            parameters = step.Params;
            if (!commands.TryGetValue(op.Manifest, out var command))
                commands[op.Manifest] = command = CommandTemplate.Parse(op.Manifest.Command);
            argv = command.Render(
                inputs.ToDictionary(i => i.Name, i => i.StagePath), outputs.ToDictionary(o => o.Name, o => o.Path), parameters);
            key.Add("operation", $"{op.Owner}/{op.Name}").Add("version", op.Version).Add("commit", op.CommitSha).Add("image", image);
            if (op.ImageDigest is { } digest) key.Add("image_digest", digest);
        }
        else
        {
            image = def.Image!;
            parameters = pipeline.Params;
            var script = ScriptRewriter.Rewrite(def.Run!, e => VariableFor(e, env, pipeline, step, upstream));
            argv = ["/bin/sh", "-c", script];
            key.Add("image", image).Add("run", def.Run!);
            // An inline step runs in a checkout: its key follows the checked-out content (the root
            // tree id when the caller knows it, else the commit), so a changed script is never served stale outputs.
            key.Add("checkout", context.ContentIds?.Invoke(new ContentLocation(context.Project, context.CommitSha, "")) ?? context.CommitSha);
            foreach (var o in outputs) key.Add("output." + o.Name, o.Type + ":" + o.Path);
        }
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            env["MLOPS_PARAMS_" + Names.ForEnv(name)] = value.Items is null ? value.Text! : string.Join("\n", value.Items);
            key.Add("param." + name, value.ToString());
        }
        foreach (var i in inputs) key.Add("input." + i.Name, i.ContentId);
        // A script may read any upstream output through a variable, so every dependency's key counts.
        foreach (var d in step.Dependencies.Order(StringComparer.Ordinal)) key.Add("needs." + d, upstream[d].CacheKey);

        var resources = def.Resources.Over(step.Operation?.Manifest.Resources ?? ResourceSpec.None);
        var cacheable = def.Cache && step.Dependencies.All(d => upstream[d].Cacheable);
        return new Job(
            def.Name, step.Stage, image,
            step.Operation is { } o2 ? new OperationIdentity(o2.Owner, o2.Name, o2.Version, o2.CommitSha, o2.ImageDigest) : null,
            Checkout: step.Operation is null,
            argv, env, def.Secrets.Union(pipeline.Definition.Secrets).Order(StringComparer.Ordinal).ToList(),
            inputs, outputs,
            new ResourceRequest(resources.Gpus ?? DefaultResources.Gpus, resources.GpuModel, resources.Cpus ?? DefaultResources.Cpus,
                resources.MemoryBytes ?? DefaultResources.MemoryBytes),
            resources.TimeoutSeconds ?? DefaultTimeoutSeconds,
            step.Dependencies,
            parameters.ToDictionary(p => p.Key, p => p.Value.ToObject()),
            key.Hash(), cacheable, context.EffectiveClient)
        { Tags = def.Tags, Network = def.Network, Retry = def.Retry, RetryWhen = def.RetryWhen };
    }

    private static List<string> Secrets(IReadOnlyList<string> step, IReadOnlyList<string> pipeline) =>
        step.Count == 0 && pipeline.Count == 0 ? [] : step.Union(pipeline).Order(StringComparer.Ordinal).ToList();

    private static string VariableFor(Expression e, SortedDictionary<string, string> env, ValidatedPipeline pipeline, ValidatedStep step, Dictionary<string, Job> upstream)
    {
        switch (e.Scope)
        {
            case "steps":
                var name = $"MLOPS_STEPS_{Names.ForEnv(e.Step!)}_OUTPUTS_{Names.ForEnv(e.Name)}";
                env[name] = upstream[e.Step!].Outputs.First(o => o.Name == e.Name).Path;
                return name;
            default:
                return $"MLOPS_{e.Scope.ToUpperInvariant()}_{Names.ForEnv(e.Name)}";
        }
    }

    private static JobInput StageInput(string step, string name, InputSource source, CompileContext context, Dictionary<string, Job> upstream) => source switch
    {
        RepositoryInput r => new JobInput(name, InputKinds.Repository, context.Project, context.CommitSha, r.Path, null, null, r.Path,
            context.ContentIds?.Invoke(new ContentLocation(context.Project, context.CommitSha, r.Path)) ?? $"{r.Path}@{context.CommitSha}"),
        ProjectInput p => new JobInput(name, InputKinds.Project, p.Project, p.Ref, p.Path, null, null, $".mlops/inputs/{step}/{name}",
            context.ContentIds?.Invoke(new ContentLocation(p.Project, p.Ref, p.Path)) ?? $"{p.Project}@{p.Ref}:{p.Path}"),
        // An artifact of a finished job never changes, so its address is a stable content id.
        RunOutputInput ro => new JobInput(name, InputKinds.Run, null, null, null, ro.Job, ro.Output, $".mlops/inputs/{step}/{name}",
            $"run:{ro.Run}/{ro.Job}/{ro.Output}", ro.Run),
        StepOutputInput s => new JobInput(name, InputKinds.Step, null, null, null, s.Step, s.Output,
            upstream[s.Step].Outputs.First(o => o.Name == s.Output).Path, "job:" + upstream[s.Step].CacheKey),
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };
}
