using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.AccessControl;

/// <summary>
/// A project the gate let the caller act on, with what every feature needs to go on: ids, paths,
/// the client that is billed (the top-level namespace) and the caller's effective level.
/// </summary>
public sealed record ProjectAccess
{
    public long ProjectId { get; init; }
    public string Path { get; init; } = "";
    public long NamespaceId { get; init; }
    public string NamespaceFullPath { get; init; } = "";
    public string NamespaceKind { get; init; } = "";
    /// <summary>The top-level namespace (a root group or a user's namespace) that is billed for the project.</summary>
    public long ClientId { get; init; }
    public string ClientPath { get; init; } = "";
    public string Visibility { get; init; } = "";
    public string DefaultBranch { get; init; } = "";
    public string GitBackend { get; init; } = "";
    public AccessLevel Level { get; init; }

    public string FullPath => $"{NamespaceFullPath}/{Path}";
}
