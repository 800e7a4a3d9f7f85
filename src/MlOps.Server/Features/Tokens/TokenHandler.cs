using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Features.Tokens;

public sealed class TokenHandler(NpgsqlDataSource dataSource, TokenRepository tokens, UserDirectory users, AuditLog audit,
    TimeProvider clock)
{
    public async Task<CreatedTokenResponse> CreateAsync(Caller caller, string username, CreateTokenRequest request,
        CancellationToken cancellationToken)
    {
        var user = await RequireSelfOrAdminAsync(caller, username, cancellationToken);
        var name = request.Name?.Trim() ?? "";
        var scopes = request.Scopes ?? [];
        var validator = new Validator()
            .Check(name.Length > 0, "name", "name is required.")
            .Text(name, "name", 255)
            .Check(scopes.Length > 0, "scopes", $"scopes must name at least one of: {string.Join(", ", Scopes.All.Order())}.");
        foreach (var scope in scopes.Where(s => !Scopes.All.Contains(s)))
        {
            validator.Add("scopes", $"'{scope}' is not a scope; use {string.Join(", ", Scopes.All.Order())}.");
        }
        validator.Check(request.ExpiresAt is null || request.ExpiresAt > clock.GetUtcNow(), "expires_at", "expires_at must be in the future.");
        validator.ThrowIfAny();

        var token = TokenHasher.NewPersonalToken();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await PersonalTokens.InsertAsync(transaction, user.Id, name, token, scopes.Distinct(), request.ExpiresAt, cancellationToken);
        await audit.WriteAsync(transaction, caller,
            new AuditEntry("token.create", "token", row.Id, $"{user.Username}/{name}", Details: new { row.Scopes, row.ExpiresAt }),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new CreatedTokenResponse(row.Id, row.Name, row.Scopes, row.ExpiresAt, row.CreatedAt, token);
    }

    public async Task<Page<TokenResponse>> ListAsync(Caller caller, string username, PageRequest page, CancellationToken cancellationToken)
    {
        var user = await RequireSelfOrAdminAsync(caller, username, cancellationToken);
        var rows = await tokens.ListAsync(user.Id, page, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        return page.ToPage(rows, r => r.Id, r => r.ToResponse(now));
    }

    public async Task RevokeAsync(Caller caller, string username, long tokenId, CancellationToken cancellationToken)
    {
        var user = await RequireSelfOrAdminAsync(caller, username, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var row = await tokens.RevokeAsync(transaction, user.Id, tokenId, cancellationToken)
            ?? throw new NotFoundException($"Token {tokenId} not found.");
        await audit.WriteAsync(transaction, caller, new AuditEntry("token.revoke", "token", row.Id, $"{user.Username}/{row.Name}"),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<UserRef> RequireSelfOrAdminAsync(Caller caller, string username, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(username, cancellationToken);
        if (user is not null && (caller.IsAdmin || user.Id == caller.UserId))
        {
            return user;
        }
        // Another user's tokens are nobody else's business: whether that user exists or not, say no.
        throw user is null && caller.IsAdmin
            ? new NotFoundException($"User '{username}' not found.")
            : new ForbiddenException("Only the user themself or an administrator may manage these tokens.");
    }
}
