using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.GitLab;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Pipelines.Validation;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines;

public enum LintFileKind { Pipeline, Operation }

public enum LintTarget { Jobs, GitLabCi }

/// <summary>The outcome of a lint: every error with its position, or what the file compiles to; warnings either way.</summary>
public sealed record LintResult(
    bool Valid,
    IReadOnlyList<LintError> Errors,
    IReadOnlyList<JobGraph> Jobs,
    string? GitLabCi,
    OperationManifest? Operation)
{
    /// <summary>Allowed but worth changing (a deprecated operation version); they never make a file invalid.</summary>
    public IReadOnlyList<LintError> Warnings { get; init; } = [];
}

/// <summary>
/// The one entry point for the server (<c>POST /api/v1/lint</c>, push handling) and tools:
/// parse, validate and compile a definition, collecting every error instead of stopping at the first.
/// </summary>
public static class PipelineLinter
{
    public static async ValueTask<LintResult> LintAsync(string content, LintFileKind kind, LintTarget target,
        CompileContext context, IOperationResolver resolver, CancellationToken ct = default, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        if (kind == LintFileKind.Operation)
        {
            var opErrors = new ErrorSink("operation.yml");
            var manifest = OperationParser.Parse(content, opErrors, limits);
            return new LintResult(!opErrors.HasErrors, opErrors.Sorted(), [], null, manifest);
        }

        var errors = new ErrorSink("mlops.yml");
        var file = PipelineParser.Parse(content, errors, limits);
        // Shape errors do not stop here: the validator still reports what it can, so all errors come at once.
        if (file is null) return Invalid(errors);

        var operations = await PipelineValidator.ResolveAllAsync(file, resolver, ct);
        var pipelines = PipelineValidator.Validate(file, operations, context, errors);
        if (target == LintTarget.GitLabCi && pipelines.Count > 1)
            errors.Add(1, 1, $"the gitlab-ci target compiles one pipeline and this file defines {pipelines.Count}",
                "choose one: " + string.Join(", ", pipelines.Select(p => p.Definition.Name)));
        foreach (var p in target == LintTarget.GitLabCi ? pipelines : [])
        {
            foreach (var s in p.Steps.Where(s => GitLabCiEmitter.ReservedJobNames.Contains(s.Name)))
                errors.Add(s.Definition.Line, s.Definition.Column, $"step name '{s.Name}' is a GitLab CI keyword", "rename the step to target gitlab-ci");
            foreach (var input in p.Steps.SelectMany(s => s.Definition.Inputs.Values).OfType<RunOutputInput>())
                errors.Add(input.Line, input.Column, "an input from an earlier run's artifacts cannot be staged by GitLab CI",
                    "use a path or another project's repository to target gitlab-ci");
        }
        if (errors.HasErrors) return Invalid(errors);

        var graphs = pipelines.Select(p => PipelineCompiler.Compile(p, context)).ToList();
        var gitlab = target == LintTarget.GitLabCi ? GitLabCiEmitter.Emit(graphs[0], pipelines[0].Definition.Triggers) : null;
        return new LintResult(true, [], target == LintTarget.Jobs ? graphs : [], gitlab, null) { Warnings = errors.SortedWarnings() };
    }

    private static LintResult Invalid(ErrorSink errors) => new(false, errors.Sorted(), [], null, null) { Warnings = errors.SortedWarnings() };
}
