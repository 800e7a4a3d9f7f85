namespace MlOps.Pipelines.Model;

/// <summary>The closed vocabulary of input and output types; closed so a typo is caught, not stored.</summary>
public static class DataTypes
{
    public static readonly IReadOnlyList<string> All =
        ["artifact", "file", "folder", "table", "dataset", "model", "metrics", "image", "text"];

    public static bool IsKnown(string type) => All.Contains(type);
}
