using Microsoft.AspNetCore.Authentication;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Infrastructure.Auth;

/// <summary>
/// Credentials that were sent but are wrong (unknown, revoked or expired token) end the request
/// with 401, even on endpoints that anonymous callers may use: silently treating such a caller as
/// anonymous would hide the problem and show them less than they expect.
/// </summary>
public sealed class RejectFailedCredentialsMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var result = await context.AuthenticateAsync(TokenAuthenticationHandler.SchemeName);
        if (result.Failure is not null)
        {
            throw new UnauthorizedException(result.Failure.Message);
        }
        await next(context);
    }
}
