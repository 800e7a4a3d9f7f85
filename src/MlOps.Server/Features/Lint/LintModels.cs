using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Model;

namespace MlOps.Server.Features.Lint;

/// <param name="Content">The `mlops.yml` (or, with kind `operation`, `operation.yml`) text.</param>
/// <param name="Project">Optional project path (`acme/iris`): compiles as that project, billed to its client.</param>
/// <param name="Target">`jobs` (default) or `gitlab-ci`.</param>
public sealed record LintRequest([property: System.ComponentModel.DataAnnotations.Required] string? Content, string? Project, string? Target, string? Kind, string? Pipeline, string? Ref,
    Dictionary<string, string>? Params);

public sealed record LintErrorResponse(string File, int Line, int Column, string Message, string? Hint);

/// <param name="Warnings">Allowed but worth changing (a deprecated operation version), same shape as errors; never make the file invalid.</param>
public sealed record LintResponse(bool Valid, IReadOnlyList<LintErrorResponse> Errors, IReadOnlyList<LintErrorResponse> Warnings, IReadOnlyList<JobGraph>? Jobs,
    string? GitlabCi, OperationManifest? Operation);
