using Microsoft.AspNetCore.Routing.Template;
using Microsoft.AspNetCore.Http.Metadata;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// A JSON endpoint called with another content type answers 415, not 404. Routing's own 415 never
/// comes here: the Git catch-all route (which accepts any content type) wins the content-type
/// check and then fails its constraint, so the request ends as "no endpoint". When that happens
/// to a request with a body, this looks for a JSON endpoint of that method whose pattern matches
/// the path.
/// </summary>
public sealed class UnsupportedMediaTypeMiddleware(RequestDelegate next, EndpointDataSource endpoints)
{
    private readonly Lazy<IReadOnlyList<(TemplateMatcher Matcher, IReadOnlyList<string> Methods)>> jsonEndpoints = new(() =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<IAcceptsMetadata>() is { ContentTypes.Count: > 0 })
            .Select(e => (new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()),
                (IReadOnlyList<string>)(e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])))
            .ToList());

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.GetEndpoint() is null && request.Method is "POST" or "PUT" or "PATCH" && !request.HasJsonContentType()
            && jsonEndpoints.Value.Any(e => e.Methods.Contains(request.Method) && e.Matcher.TryMatch(request.Path, new RouteValueDictionary())))
        {
            throw new UnsupportedMediaTypeException();
        }
        return next(context);
    }
}

public sealed class UnsupportedMediaTypeException()
    : ApiException("Unsupported Media Type", "The request body must be JSON, sent with Content-Type: application/json.")
{
    public override int StatusCode => StatusCodes.Status415UnsupportedMediaType;
}
