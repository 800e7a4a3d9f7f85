using Dapper;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Users;

public sealed class UserRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, username, email, name, is_admin, state, created_at";

    public async Task<UserRow?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE lower(username) = lower(@username)",
            new { username }, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<UserRow>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<UserRow>(new CommandDefinition(
            $"SELECT {Columns} FROM users WHERE id > @after ORDER BY id LIMIT @limit",
            new { after = page.After ?? 0, limit = page.FetchLimit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Holds a transaction-scoped advisory lock, so start-up work runs once however many replicas start.</summary>
    public static Task LockAsync(NpgsqlTransaction transaction, long key, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key }, transaction,
            cancellationToken: cancellationToken));

    public static Task<long?> FindIdAsync(NpgsqlTransaction transaction, string username, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT id FROM users WHERE lower(username) = lower(@username)", new { username }, transaction,
            cancellationToken: cancellationToken));

    /// <summary>Inserts the user and their personal namespace (same path) in the caller's transaction.</summary>
    public async Task<UserRow> InsertAsync(NpgsqlTransaction transaction, string username, string email, string name,
        string? passwordHash, bool isAdmin, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        var user = await connection.QuerySingleAsync<UserRow>(new CommandDefinition(
            $"""
            INSERT INTO users (username, email, name, password_hash, is_admin)
            VALUES (@username, @email, @name, @passwordHash, @isAdmin)
            RETURNING {Columns}
            """,
            new { username, email, name, passwordHash, isAdmin }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO namespaces (kind, path, full_path, name, visibility, owner_user_id)
            VALUES ('user', @username, @username, @name, 'public', @id)
            """,
            new { username, name = name.Length > 0 ? name : username, id = user.Id }, transaction, cancellationToken: cancellationToken));
        return user;
    }
}
