using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Dapper;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MlOps.Server.Infrastructure.Auth;

/// <summary>
/// Authenticates a personal access token from `Authorization: Bearer`, GitLab's `PRIVATE-TOKEN`
/// header, or HTTP basic (any username, or the token's own, with the token as password) for Git.
/// No credentials at all is an anonymous request; wrong credentials fail (401), never fall back
/// to anonymous.
/// </summary>
public sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    NpgsqlDataSource dataSource, TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var (token, basicUser) = ReadCredentials(Request);
        if (token is null)
        {
            return AuthenticateResult.NoResult();
        }

        await using var connection = await dataSource.OpenConnectionAsync(Context.RequestAborted);
        if (token.StartsWith(JobTokens.Prefix, StringComparison.Ordinal))
        {
            var jobClaims = await JobTokens.AuthenticateAsync(connection, token, Context.RequestAborted);
            return jobClaims is null
                ? AuthenticateResult.Fail("The job token is unknown or its job is not running.")
                : AuthenticateResult.Success(new AuthenticationTicket(
                    new ClaimsPrincipal(new ClaimsIdentity(jobClaims, SchemeName, ClaimTypes.Name, ClaimTypes.Role)), SchemeName));
        }
        var row = await connection.QuerySingleOrDefaultAsync<TokenRow>(new CommandDefinition(
            """
            SELECT t.id AS token_id, t.scopes, t.expires_at, t.revoked_at, t.last_used_at,
                   u.id AS user_id, u.username, u.is_admin, u.state
            FROM personal_access_tokens t JOIN users u ON u.id = t.user_id
            WHERE t.token_hash = @hash
            """, new { hash = TokenHasher.Hash(token) }, cancellationToken: Context.RequestAborted));

        var now = clock.GetUtcNow().UtcDateTime;
        if (row is null || row.RevokedAt is not null || row.ExpiresAt <= now || row.State != "active")
        {
            return AuthenticateResult.Fail("The token is unknown, revoked or expired.");
        }
        if (basicUser is not null && basicUser.Length > 0 && !IsTokenUsername(basicUser)
            && !string.Equals(basicUser, row.Username, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The token does not belong to that user.");
        }

        // Recording every use would turn each read into a write; once a minute is enough to
        // show a user which tokens are still in use.
        if (row.LastUsedAt is null || now - row.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE personal_access_tokens SET last_used_at = @now WHERE id = @id",
                new { now, id = row.TokenId }, cancellationToken: Context.RequestAborted));
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, row.Username),
            new(Caller.UserIdClaim, row.UserId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(Caller.TokenIdClaim, row.TokenId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new(Caller.AdminClaim, row.IsAdmin ? "true" : "false"),
        };
        claims.AddRange(row.Scopes.Select(s => new Claim(Caller.ScopeClaim, s)));
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = Http.ProblemExceptionHandler.TokenChallenge;
        return base.HandleChallengeAsync(properties);
    }

    // Git clients and CI tools commonly send a placeholder username with a token as password.
    private static bool IsTokenUsername(string user) =>
        user is "oauth2" or "token" or "x-access-token" or "private-token";

    internal static (string? Token, string? BasicUser) ReadCredentials(HttpRequest request)
    {
        if (request.Headers.TryGetValue(JobTokens.Header, out var jobToken) && !string.IsNullOrWhiteSpace(jobToken))
        {
            return (jobToken.ToString().Trim(), null);
        }
        if (request.Headers.TryGetValue("PRIVATE-TOKEN", out var privateToken) && !string.IsNullOrWhiteSpace(privateToken))
        {
            return (privateToken.ToString().Trim(), null);
        }
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return (header["Bearer ".Length..].Trim(), null);
        }
        if (header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
                var colon = decoded.IndexOf(':');
                if (colon >= 0)
                {
                    return (decoded[(colon + 1)..], decoded[..colon]);
                }
            }
            catch (FormatException)
            {
            }
            // Present but unreadable: treat as a wrong password rather than as anonymous.
            return ("", "");
        }
        return (header.Length > 0 ? "" : null, null);
    }

    private sealed class TokenRow
    {
        public long TokenId { get; init; }
        public string[] Scopes { get; init; } = [];
        public DateTime? ExpiresAt { get; init; }
        public DateTime? RevokedAt { get; init; }
        public DateTime? LastUsedAt { get; init; }
        public long UserId { get; init; }
        public string Username { get; init; } = "";
        public bool IsAdmin { get; init; }
        public string State { get; init; } = "";
    }
}
