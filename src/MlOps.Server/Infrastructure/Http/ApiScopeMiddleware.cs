using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// A token made only for Git (read_repository / write_repository) must not drive the REST API,
/// even as an admin: that is the point of narrow scopes. Checked as middleware, before the body
/// is read, so such a token gets 403 whatever it sends.
/// </summary>
public sealed class ApiScopeMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api") && context.Caller() is { Job: not null }
            && !context.Request.Path.StartsWithSegments("/api/v1/runner/jobs"))
        {
            throw new ForbiddenException("A job token may only be used for its own job's runner calls and to read repositories.");
        }
        if (context.Request.Path.StartsWithSegments("/api") && context.Caller() is { Job: null } caller && !caller.HasScope(Scopes.Api))
        {
            throw new ForbiddenException("This token lacks the 'api' scope.");
        }
        return next(context);
    }
}
