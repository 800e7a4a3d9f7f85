using MlOps.Pipelines.Model;

namespace MlOps.Pipelines.Resolution;

/// <summary>A published operation frozen at a version: its manifest, commit and immutable image reference.</summary>
public sealed record ResolvedOperation(string Owner, string Name, string Version, string CommitSha, string ImageReference, OperationManifest Manifest)
{
    public string Id => $"{Owner}/{Name}@{Version}";

    /// <summary>The image's digest (<c>sha256:…</c>) when known: a built image's id, or the digest pinned in the reference.</summary>
    public string? ImageDigest { get; init; }

    /// <summary>Set when the version is deprecated: still usable, and the linter warns with this text.</summary>
    public string? Deprecation { get; init; }
}

/// <summary>
/// The answer to a lookup. Not found with no known versions means the operation itself is
/// unknown; with known versions, only that version is, and the hint lists the others.
/// </summary>
/// <para>A refusal means the version exists but may not be used now (yanked, still building, build
/// failed); the message says why and is reported as an error at the <c>uses:</c>.</para>
public sealed record OperationLookup(ResolvedOperation? Operation, IReadOnlyList<string> KnownVersions, string? Refusal = null)
{
    public static OperationLookup Found(ResolvedOperation op) => new(op, []);
    public static OperationLookup Refused(string message, string? hint = null) => new(null, [], message) { RefusalHint = hint };
    public static OperationLookup UnknownOperation { get; } = new(null, []);
    public static OperationLookup UnknownVersion(IReadOnlyList<string> known) => new(null, known);

    public string? RefusalHint { get; init; }
}

/// <summary>
/// Resolves <c>uses: owner/name@version</c>. The library does no I/O: the server's catalog implements
/// this per request, for one caller (so a private operation resolves only for those who may see its
/// project, and is otherwise unknown); tests use <see cref="InMemoryOperationResolver"/>.
/// </summary>
public interface IOperationResolver
{
    ValueTask<OperationLookup> ResolveAsync(string owner, string name, string version, CancellationToken ct);
}
