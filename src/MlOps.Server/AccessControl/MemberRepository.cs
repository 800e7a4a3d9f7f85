using Dapper;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.AccessControl;

/// <summary>What a membership belongs to: a group (namespace_members) or a project (project_members).</summary>
public sealed record MembershipTarget(MembershipKind Kind, long Id, string Path, long? NamespaceId, long? ProjectId)
{
    // Table and column names come from this closed set, never from input, so they may be spliced.
    public string Table => Kind == MembershipKind.Group ? "namespace_members" : "project_members";
    public string KeyColumn => Kind == MembershipKind.Group ? "namespace_id" : "project_id";
    public string TypeName => Kind == MembershipKind.Group ? "group" : "project";
}

public enum MembershipKind { Group, Project }

/// <summary>A direct membership of a group or project.</summary>
public sealed class MemberRow
{
    public long UserId { get; init; }
    public string Username { get; init; } = "";
    public string Name { get; init; } = "";
    public int AccessLevel { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class MemberRepository(NpgsqlDataSource dataSource)
{
    public async Task<IReadOnlyList<MemberRow>> ListAsync(MembershipTarget target, PageRequest page, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<MemberRow>(new CommandDefinition(
            $"""
            SELECT m.user_id, u.username, u.name, m.access_level, m.created_at
            FROM {target.Table} m JOIN users u ON u.id = m.user_id
            WHERE m.{target.KeyColumn} = @id AND m.user_id > @after
            ORDER BY m.user_id LIMIT @limit
            """,
            new { id = target.Id, after = page.After ?? 0, limit = page.FetchLimit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>
    /// Serialises membership changes of one group or project: without it, two requests that each
    /// demote "the other" owner could deadlock on the owners' rows, or race past the last-owner rule.
    /// </summary>
    public static Task LockTargetAsync(NpgsqlTransaction transaction, MembershipTarget target, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            target.Kind == MembershipKind.Group
                ? "SELECT 1 FROM namespaces WHERE id = @id FOR UPDATE"
                : "SELECT 1 FROM projects WHERE id = @id FOR UPDATE",
            new { id = target.Id }, transaction, cancellationToken: cancellationToken));

    /// <summary>Adds a member; null when they already were one (the existing role is left alone).</summary>
    public static Task<MemberRow?> InsertAsync(NpgsqlTransaction transaction, MembershipTarget target, long userId, int level,
        CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleOrDefaultAsync<MemberRow>(new CommandDefinition(
            $"""
            WITH m AS (
                INSERT INTO {target.Table} ({target.KeyColumn}, user_id, access_level) VALUES (@id, @userId, @level)
                ON CONFLICT ({target.KeyColumn}, user_id) DO NOTHING
                RETURNING user_id, access_level, created_at)
            SELECT m.user_id, u.username, u.name, m.access_level, m.created_at FROM m JOIN users u ON u.id = m.user_id
            """,
            new { id = target.Id, userId, level }, transaction, cancellationToken: cancellationToken));

    public static Task<int?> LevelAsync(NpgsqlTransaction transaction, MembershipTarget target, long userId,
        CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<int?>(new CommandDefinition(
            $"SELECT access_level FROM {target.Table} WHERE {target.KeyColumn} = @id AND user_id = @userId FOR UPDATE",
            new { id = target.Id, userId }, transaction, cancellationToken: cancellationToken));

    /// <summary>Owners of the target, locked, so two requests cannot each remove "the other" last owner.</summary>
    public static async Task<int> CountOwnersAsync(NpgsqlTransaction transaction, MembershipTarget target, CancellationToken cancellationToken)
    {
        var owners = await transaction.Connection!.QueryAsync<long>(new CommandDefinition(
            $"SELECT user_id FROM {target.Table} WHERE {target.KeyColumn} = @id AND access_level = 50 FOR UPDATE",
            new { id = target.Id }, transaction, cancellationToken: cancellationToken));
        return owners.Count();
    }

    public static Task<MemberRow> UpsertAsync(NpgsqlTransaction transaction, MembershipTarget target, long userId, int level,
        CancellationToken cancellationToken) =>
        transaction.Connection!.QuerySingleAsync<MemberRow>(new CommandDefinition(
            $"""
            WITH m AS (
                INSERT INTO {target.Table} ({target.KeyColumn}, user_id, access_level) VALUES (@id, @userId, @level)
                ON CONFLICT ({target.KeyColumn}, user_id) DO UPDATE SET access_level = excluded.access_level
                RETURNING user_id, access_level, created_at)
            SELECT m.user_id, u.username, u.name, m.access_level, m.created_at FROM m JOIN users u ON u.id = m.user_id
            """,
            new { id = target.Id, userId, level }, transaction, cancellationToken: cancellationToken));

    public static Task DeleteAsync(NpgsqlTransaction transaction, MembershipTarget target, long userId, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {target.Table} WHERE {target.KeyColumn} = @id AND user_id = @userId",
            new { id = target.Id, userId }, transaction, cancellationToken: cancellationToken));
}
