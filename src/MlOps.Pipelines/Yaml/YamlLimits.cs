namespace MlOps.Pipelines.Yaml;

/// <summary>Bounds that keep a hostile file from costing more than a normal one.</summary>
public sealed record YamlLimits
{
    public static YamlLimits Default { get; } = new();

    public int MaxBytes { get; init; } = 1024 * 1024;
    public int MaxDepth { get; init; } = 64;

    /// <summary>Nodes after alias expansion; the "billion laughs" guard.</summary>
    public long MaxExpandedNodes { get; init; } = 250_000;

    public int MaxSteps { get; init; } = 1000;
}
