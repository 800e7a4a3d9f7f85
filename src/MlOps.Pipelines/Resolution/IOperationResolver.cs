using MlOps.Pipelines.Model;

namespace MlOps.Pipelines.Resolution;

/// <summary>A published operation frozen at a version: its manifest, commit and immutable image reference.</summary>
public sealed record ResolvedOperation(string Owner, string Name, string Version, string CommitSha, string ImageReference, OperationManifest Manifest)
{
    public string Id => $"{Owner}/{Name}@{Version}";
}

/// <summary>
/// The answer to a lookup. Not found with no known versions means the operation itself is
/// unknown; with known versions, only that version is, and the hint lists the others.
/// </summary>
public sealed record OperationLookup(ResolvedOperation? Operation, IReadOnlyList<string> KnownVersions)
{
    public static OperationLookup Found(ResolvedOperation op) => new(op, []);
    public static OperationLookup UnknownOperation { get; } = new(null, []);
    public static OperationLookup UnknownVersion(IReadOnlyList<string> known) => new(null, known);
}

/// <summary>Resolves <c>uses: owner/name@version</c>. The operation catalog implements it; tests and catalog-less lint use <see cref="InMemoryOperationResolver"/>.</summary>
public interface IOperationResolver
{
    ValueTask<OperationLookup> ResolveAsync(string owner, string name, string version, CancellationToken ct);
}
