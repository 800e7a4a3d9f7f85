using Dapper;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.AccessControl;

public sealed partial class AccessGate
{
    /// <summary>The namespace (group or user) if the caller may do <paramref name="action"/> there; the matching problem otherwise.</summary>
    public async Task<NamespaceAccess> NamespaceAsync(Caller? caller, string fullPath, NamespaceAction action,
        CancellationToken cancellationToken)
    {
        var path = Names.DecodePath(fullPath);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<NamespaceAccessRow>(new CommandDefinition(
            """
            SELECT n.id AS namespace_id, n.kind, n.full_path, n.parent_id, COALESCE(n.parent_id, n.id) AS client_id, n.visibility,
                   GREATEST(CASE WHEN n.owner_user_id = @userId THEN 50 ELSE 0 END,
                            COALESCE((SELECT max(m.access_level) FROM namespace_members m
                                      WHERE m.user_id = @userId AND m.namespace_id IN (n.id, n.parent_id)), 0)) AS level
            FROM namespaces n WHERE lower(n.full_path) = lower(@path)
            """, new { path, userId = caller?.UserId ?? 0 }, cancellationToken: cancellationToken));
        var notFound = $"Namespace '{path}' not found.";
        if (row is null)
        {
            throw new NotFoundException(notFound);
        }
        var level = caller?.IsAdmin == true ? AccessLevel.Owner : (AccessLevel)row.Level;
        if (!Rules.CanSee(row.Visibility, level, caller))
        {
            throw new NotFoundException(notFound);
        }
        var needed = NamespaceAccess.Needs(action, row.Kind == "group");
        if (level < needed)
        {
            throw caller is null
                ? new UnauthorizedException($"Authentication is required to {NamespaceAccess.Describe(action)}.")
                : new ForbiddenException($"You need the {needed.ToRole()} role or higher to {NamespaceAccess.Describe(action)}.");
        }
        return new NamespaceAccess
        {
            NamespaceId = row.NamespaceId, Kind = row.Kind, FullPath = row.FullPath, ParentId = row.ParentId, ClientId = row.ClientId,
            Visibility = row.Visibility, Level = level,
        };
    }

    private sealed class NamespaceAccessRow
    {
        public long NamespaceId { get; init; }
        public string Kind { get; init; } = "";
        public string FullPath { get; init; } = "";
        public long? ParentId { get; init; }
        public long ClientId { get; init; }
        public string Visibility { get; init; } = "";
        public int Level { get; init; }
    }
}
