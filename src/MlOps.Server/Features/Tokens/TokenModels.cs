namespace MlOps.Server.Features.Tokens;

public sealed record CreateTokenRequest(string? Name, string[]? Scopes, DateTimeOffset? ExpiresAt);

public sealed record TokenResponse(long Id, string Name, string[] Scopes, string TokenPrefix, DateTime? ExpiresAt,
    DateTime? RevokedAt, DateTime? LastUsedAt, DateTime CreatedAt, bool Active);

/// <summary>The only response that carries the token itself: it is shown once and stored hashed.</summary>
public sealed record CreatedTokenResponse(long Id, string Name, string[] Scopes, DateTime? ExpiresAt, DateTime CreatedAt, string Token);

public sealed class TokenRow
{
    public long Id { get; init; }
    public long UserId { get; init; }
    public string Name { get; init; } = "";
    public string[] Scopes { get; init; } = [];
    public string TokenPrefix { get; init; } = "";
    public DateTime? ExpiresAt { get; init; }
    public DateTime? RevokedAt { get; init; }
    public DateTime? LastUsedAt { get; init; }
    public DateTime CreatedAt { get; init; }

    public TokenResponse ToResponse(DateTime now) => new(Id, Name, Scopes, TokenPrefix, ExpiresAt, RevokedAt, LastUsedAt,
        CreatedAt, RevokedAt is null && (ExpiresAt is null || ExpiresAt > now));
}
