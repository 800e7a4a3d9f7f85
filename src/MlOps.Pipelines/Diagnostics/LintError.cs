namespace MlOps.Pipelines.Diagnostics;

/// <summary>One problem found in a definition. Line and column are 1-based; 0 means "the whole file".</summary>
public sealed record LintError(string File, int Line, int Column, string Message, string? Hint = null)
{
    public override string ToString() =>
        Hint is null ? $"{File}:{Line}:{Column}: {Message}" : $"{File}:{Line}:{Column}: {Message} ({Hint})";
}
