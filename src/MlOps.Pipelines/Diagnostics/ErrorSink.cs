using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Diagnostics;

/// <summary>Collects every error of one file, so a user sees them all at once instead of one per attempt.</summary>
public sealed class ErrorSink(string file)
{
    private readonly List<LintError> _errors = [];
    private readonly List<LintError> _warnings = [];

    public string File { get; } = file;
    public IReadOnlyList<LintError> Errors => _errors;
    public bool HasErrors => _errors.Count > 0;

    /// <summary>What is allowed but worth changing (a deprecated operation version); never makes a file invalid.</summary>
    public IReadOnlyList<LintError> Warnings => _warnings;

    public void Add(int line, int column, string message, string? hint = null) =>
        _errors.Add(new LintError(File, line, column, message, hint));

    public void Add(YNode at, string message, string? hint = null) => Add(at.Line, at.Column, message, hint);

    public void Warn(int line, int column, string message, string? hint = null) =>
        _warnings.Add(new LintError(File, line, column, message, hint));

    public IReadOnlyList<LintError> SortedWarnings() =>
        _warnings.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();

    public IReadOnlyList<LintError> Sorted() =>
        _errors.OrderBy(e => e.Line).ThenBy(e => e.Column).ToList();
}
