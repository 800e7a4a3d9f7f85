using MlOps.Pipelines.Diagnostics;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Catalog;

public static class CatalogPaths
{
    /// <summary>`acme/ops/csv-clean` into namespace `acme/ops` and project `csv-clean`; adds an error when it is not a full path.</summary>
    public static (string? Namespace, string? Project) SplitProject(string? fullPath, Validator validator, string field = "project")
    {
        var path = string.IsNullOrWhiteSpace(fullPath) ? "" : Names.DecodePath(fullPath.Trim());
        var slash = path.LastIndexOf('/');
        if (slash <= 0 || slash == path.Length - 1)
        {
            validator.Add(field, $"{field} must be a full project path such as 'acme/iris'.");
            return (null, null);
        }
        return (path[..slash], path[(slash + 1)..]);
    }
}

/// <summary>A definition's errors as a 400 problem: each as text under the file's name, and with line and column under `lint_errors`.</summary>
public static class DefinitionErrors
{
    public static ValidationException From(string file, IReadOnlyList<LintError> errors)
    {
        var exception = new ValidationException(new Dictionary<string, string[]>
        {
            [file] = errors.Select(e => $"line {e.Line}, column {e.Column}: {e.Message}" + (e.Hint is null ? "" : $" ({e.Hint})")).ToArray(),
        });
        exception.Extensions["lint_errors"] = errors.Select(e => new { e.File, e.Line, e.Column, e.Message, e.Hint }).ToList();
        return exception;
    }
}
