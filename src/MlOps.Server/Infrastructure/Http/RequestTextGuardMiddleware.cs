namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// Refuses a NUL character in the path or in a query parameter with a 400 problem. Handed on,
/// it is cut off silently where a string meets C (git's arguments, file names) and the request
/// would act on something else than what was asked. (Kestrel itself already refuses `%00` in the
/// request target, with an empty 400, before the application sees it; this covers what reaches us
/// otherwise: proxies, the in-memory test server, query strings.)
/// </summary>
public sealed class RequestTextGuardMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Value?.Contains('\0') == true)
        {
            throw new ValidationException("path", "The path must not contain NUL characters.");
        }
        foreach (var (key, values) in context.Request.Query)
        {
            if (key.Contains('\0') || values.Any(v => v?.Contains('\0') == true))
            {
                throw new ValidationException(key.Replace("\0", ""), $"{key.Replace("\0", "")} must not contain NUL characters.");
            }
        }
        return next(context);
    }
}
