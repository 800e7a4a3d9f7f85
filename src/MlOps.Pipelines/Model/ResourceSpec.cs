namespace MlOps.Pipelines.Model;

/// <summary>What a step asks for; every field is optional so a step can override only some of an operation's defaults.</summary>
public sealed record ResourceSpec(int? Gpus, string? GpuModel, double? Cpus, long? MemoryBytes, int? TimeoutSeconds)
{
    public static ResourceSpec None { get; } = new(null, null, null, null, null);

    public ResourceSpec Over(ResourceSpec defaults) => new(
        Gpus ?? defaults.Gpus,
        GpuModel ?? defaults.GpuModel,
        Cpus ?? defaults.Cpus,
        MemoryBytes ?? defaults.MemoryBytes,
        TimeoutSeconds ?? defaults.TimeoutSeconds);
}
