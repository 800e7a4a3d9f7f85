using Dapper;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Tokens;

public sealed class TokenRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, user_id, name, scopes, token_prefix, expires_at, revoked_at, last_used_at, created_at";

    public async Task<IReadOnlyList<TokenRow>> ListAsync(long userId, PageRequest page, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<TokenRow>(new CommandDefinition(
            $"SELECT {Columns} FROM personal_access_tokens WHERE user_id = @userId AND id > @after ORDER BY id LIMIT @limit",
            new { userId, after = page.After ?? 0, limit = page.FetchLimit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Revokes (never deletes: the audit trail refers to it). False if no such token of that user.</summary>
    public async Task<TokenRow?> RevokeAsync(NpgsqlTransaction transaction, long userId, long tokenId, CancellationToken cancellationToken) =>
        await transaction.Connection!.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            $"""
            UPDATE personal_access_tokens SET revoked_at = coalesce(revoked_at, now())
            WHERE id = @tokenId AND user_id = @userId
            RETURNING {Columns}
            """,
            new { userId, tokenId }, transaction, cancellationToken: cancellationToken));
}
