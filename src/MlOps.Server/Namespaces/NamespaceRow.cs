namespace MlOps.Server.Namespaces;

public sealed class NamespaceRow
{
    public long Id { get; init; }
    public string Kind { get; init; } = "";
    public string Path { get; init; } = "";
    public string FullPath { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Visibility { get; init; } = "";
    public long? ParentId { get; init; }
    public string? ParentFullPath { get; init; }
    public long? OwnerUserId { get; init; }
    public DateTime CreatedAt { get; init; }

    /// <summary>The caller's effective access level, computed by the query that loaded the row.</summary>
    public int AccessLevel { get; init; }

    public bool IsGroup => Kind == "group";
}
