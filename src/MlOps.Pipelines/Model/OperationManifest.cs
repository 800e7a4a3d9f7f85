namespace MlOps.Pipelines.Model;

public enum OperationKind { DataOperation, Visualization, Algorithm }

public sealed record DataPort(string Name, string Type, bool Required, string? Description);

/// <summary>The parsed <c>operation.yml</c> of a reusable step.</summary>
public sealed record OperationManifest(
    string Name,
    OperationKind Kind,
    string? Description,
    string? Image,
    string? Build,
    IReadOnlyList<string> Command,
    IReadOnlyList<ParamSpec> Params,
    IReadOnlyList<DataPort> Inputs,
    IReadOnlyList<DataPort> Outputs,
    ResourceSpec Resources,
    IReadOnlyList<string> Tags,
    string? License)
{
    public ParamSpec? FindParam(string name) => Params.FirstOrDefault(p => p.Name == name);
    public DataPort? FindInput(string name) => Inputs.FirstOrDefault(p => p.Name == name);
    public DataPort? FindOutput(string name) => Outputs.FirstOrDefault(p => p.Name == name);
}
