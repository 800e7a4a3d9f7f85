using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// A token made only for Git (read_repository / write_repository) must not drive the REST API,
/// even as an admin: that is the point of narrow scopes.
/// </summary>
public sealed class ApiScopeFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var caller = context.HttpContext.Caller();
        if (caller is not null && !caller.HasScope(Scopes.Api))
        {
            throw new ForbiddenException("This token lacks the 'api' scope.");
        }
        return next(context);
    }
}
