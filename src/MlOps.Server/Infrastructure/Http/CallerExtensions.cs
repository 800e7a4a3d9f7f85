using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Http;

public static class CallerExtensions
{
    public static Caller? Caller(this HttpContext context) => Auth.Caller.From(context.User);

    /// <summary>The authenticated caller; anonymous requests get 401.</summary>
    public static Caller RequireCaller(this HttpContext context) =>
        context.Caller() ?? throw new UnauthorizedException("Authentication is required: send a personal access token.");

    public static Caller RequireAdmin(this HttpContext context)
    {
        var caller = context.RequireCaller();
        return caller.IsAdmin ? caller : throw new ForbiddenException("Only an administrator may do this.");
    }
}
