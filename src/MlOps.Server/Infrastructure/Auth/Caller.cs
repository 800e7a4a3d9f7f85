using System.Security.Claims;

namespace MlOps.Server.Infrastructure.Auth;

/// <summary>Who is asking: the user behind the token on this request, and what the token allows.</summary>
public sealed record Caller(long UserId, string Username, bool IsAdmin, IReadOnlySet<string> Scopes, long TokenId)
{
    public const string UserIdClaim = "mlops:user_id";
    public const string AdminClaim = "mlops:admin";
    public const string ScopeClaim = "mlops:scope";
    public const string TokenIdClaim = "mlops:token_id";

    /// <summary>Set when the caller is a running job's token: it may do only what <see cref="JobScope"/> says.</summary>
    public JobScope? Job { get; init; }

    // `api` is the full scope (as in GitLab), and a token that may push may also fetch, since a
    // push negotiates against the refs the server already has.
    public bool HasScope(string scope) =>
        Scopes.Contains(scope) || Scopes.Contains(Auth.Scopes.Api)
        || (scope == Auth.Scopes.ReadRepository && Scopes.Contains(Auth.Scopes.WriteRepository));

    public static Caller? From(ClaimsPrincipal principal)
    {
        if (principal.Identity?.IsAuthenticated != true)
        {
            return null;
        }
        return new Caller(
            long.Parse(principal.FindFirstValue(UserIdClaim)!, System.Globalization.CultureInfo.InvariantCulture),
            principal.Identity.Name!,
            principal.HasClaim(AdminClaim, "true"),
            principal.FindAll(ScopeClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal),
            long.Parse(principal.FindFirstValue(TokenIdClaim)!, System.Globalization.CultureInfo.InvariantCulture))
        {
            Job = JobTokens.From(principal),
        };
    }
}

