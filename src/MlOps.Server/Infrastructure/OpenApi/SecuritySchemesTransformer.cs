using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MlOps.Server.Infrastructure.OpenApi;

/// <summary>
/// Declares how callers authenticate (a personal access token as `Authorization: Bearer`, or in
/// GitLab's `PRIVATE-TOKEN` header) and requires either on every operation, except those that are
/// anonymous by nature: probes, and the runner protocol, which carries runner and job tokens of its own.
/// </summary>
internal sealed class SecuritySchemesTransformer : IOpenApiDocumentTransformer
{
    public const string Bearer = "bearer";
    public const string PrivateToken = "private_token";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "A personal access token (POST /api/v1/users/{username}/tokens) with the `api` scope.",
        };
        document.Components.SecuritySchemes[PrivateToken] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = "PRIVATE-TOKEN",
            Description = "The same personal access token in GitLab's header.",
        };
        // Two requirement objects: either scheme is enough.
        var either = new List<OpenApiSecurityRequirement>
        {
            new() { [new OpenApiSecuritySchemeReference(Bearer, document)] = [] },
            new() { [new OpenApiSecuritySchemeReference(PrivateToken, document)] = [] },
        };
        foreach (var (path, item) in document.Paths)
        {
            foreach (var operation in item.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>())
            {
                operation.Security = IsProtocolOrProbe(path) ? [] : either;
            }
        }
        return Task.CompletedTask;
    }

    private static bool IsProtocolOrProbe(string path) =>
        path is "/healthz" or "/readyz" || path == "/api/v1/runner" || path.StartsWith("/api/v1/runner/", StringComparison.Ordinal)
        || path.StartsWith("/webhooks/", StringComparison.Ordinal);
}
