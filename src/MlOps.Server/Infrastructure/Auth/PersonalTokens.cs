using Dapper;
using Npgsql;

namespace MlOps.Server.Infrastructure.Auth;

/// <summary>A token just stored (its hash, never the token).</summary>
public sealed class StoredToken
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string[] Scopes { get; init; } = [];
    public DateTime? ExpiresAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// Storing personal access tokens, beside the handler that checks them: the Tokens feature issues
/// them for users, the bootstrap issues the admin's.
/// </summary>
public static class PersonalTokens
{
    public static Task<StoredToken> InsertAsync(NpgsqlTransaction transaction, long userId, string name, string token,
        IEnumerable<string> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken, string? displayPrefix = null) =>
        transaction.Connection!.QuerySingleAsync<StoredToken>(new CommandDefinition(
            """
            INSERT INTO personal_access_tokens (user_id, name, token_hash, token_prefix, scopes, expires_at)
            VALUES (@userId, @name, @hash, @prefix, @scopes, @expiresAt)
            RETURNING id, name, scopes, expires_at, created_at
            """,
            new
            {
                userId, name, hash = TokenHasher.Hash(token), prefix = displayPrefix ?? TokenHasher.DisplayPrefix(token),
                scopes = scopes.ToArray(), expiresAt = expiresAt?.UtcDateTime,
            },
            transaction, cancellationToken: cancellationToken));

    /// <summary>Revokes the user's live tokens of that name other than <paramref name="keep"/>; returns how many.</summary>
    public static Task<int> RevokeOthersNamedAsync(NpgsqlTransaction transaction, long userId, string name, string keep,
        CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            UPDATE personal_access_tokens SET revoked_at = now()
            WHERE user_id = @userId AND name = @name AND token_hash <> @hash AND revoked_at IS NULL
            """, new { userId, name, hash = TokenHasher.Hash(keep) }, transaction, cancellationToken: cancellationToken));

    public static Task<bool> ExistsAsync(NpgsqlTransaction transaction, string token, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM personal_access_tokens WHERE token_hash = @hash)",
            new { hash = TokenHasher.Hash(token) }, transaction, cancellationToken: cancellationToken));
}
