using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Http;

public sealed class HttpLimitsOptions
{
    public const string Section = "Http";

    /// <summary>Largest JSON body the API accepts. Git and LFS traffic have their own limits.</summary>
    public long MaxApiBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>
/// Kestrel's limit is one number for the whole server, but pack files and LFS objects are large
/// while API bodies are small: API requests get the small limit here, before a byte is read.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<HttpLimitsOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            var limit = options.Value.MaxApiBodyBytes;
            if (context.Request.ContentLength > limit)
            {
                throw new BadHttpRequestException(
                    $"The request body is {context.Request.ContentLength} bytes; the limit is {limit} bytes.",
                    StatusCodes.Status413PayloadTooLarge);
            }
            var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
            if (feature is { IsReadOnly: false })
            {
                feature.MaxRequestBodySize = limit;
            }
        }
        return next(context);
    }
}
