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
        return Enforce(await DecideNamespaceAsync(caller, path, action, cancellationToken), caller, NamespaceAccess.Describe(action),
            $"Namespace '{path}' not found.");
    }

    /// <summary>As <see cref="NamespaceAsync"/> for groups only: a user's namespace looks absent here.</summary>
    public async Task<NamespaceAccess> GroupAsync(Caller? caller, string fullPath, NamespaceAction action,
        CancellationToken cancellationToken)
    {
        var path = Names.DecodePath(fullPath);
        var decision = await DecideNamespaceAsync(caller, path, action, cancellationToken);
        if (decision.Target is { IsGroup: false })
        {
            decision = decision with { Verdict = AccessVerdict.LooksAbsent, Target = null };
        }
        return Enforce(decision, caller, NamespaceAccess.Describe(action), $"Group '{path}' not found.");
    }

    /// <summary>The verdict on a namespace without throwing, for handlers that answer "not found" as bad input (a parent, a target namespace).</summary>
    public async Task<AccessDecision<NamespaceAccess>> DecideNamespaceAsync(Caller? caller, string fullPath, NamespaceAction action,
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
        if (row is null)
        {
            return new AccessDecision<NamespaceAccess>(AccessVerdict.LooksAbsent, null, AccessLevel.None, AccessLevel.None);
        }
        var level = caller?.IsAdmin == true ? AccessLevel.Owner : (AccessLevel)row.Level;
        var needed = NamespaceAccess.Needs(action, row.Kind == "group");
        if (!Rules.CanSee(row.Visibility, level, caller))
        {
            return new AccessDecision<NamespaceAccess>(AccessVerdict.LooksAbsent, null, level, needed);
        }
        var target = new NamespaceAccess
        {
            NamespaceId = row.NamespaceId, Kind = row.Kind, FullPath = row.FullPath, ParentId = row.ParentId, ClientId = row.ClientId,
            Visibility = row.Visibility, Level = level,
        };
        return new AccessDecision<NamespaceAccess>(level >= needed ? AccessVerdict.Allowed : AccessVerdict.Forbidden, target, level,
            needed);
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
