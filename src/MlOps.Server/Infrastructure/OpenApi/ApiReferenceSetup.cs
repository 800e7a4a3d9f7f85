using Scalar.AspNetCore;

namespace MlOps.Server.Infrastructure.OpenApi;

public static class ApiReferenceSetup
{
    public const string DocumentRoute = "/openapi/{documentName}.json";
    public const string ReferenceRoute = "/api/reference";

    /// <summary>
    /// The OpenAPI document, completed by global transformers rather than per endpoint: security
    /// schemes, problem responses and optional body fields follow from rules the whole API keeps,
    /// so a new endpoint is described right without repeating them.
    /// </summary>
    public static IServiceCollection AddApiReference(this IServiceCollection services)
    {
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer<SecuritySchemesTransformer>();
            options.AddDocumentTransformer<ProblemResponsesTransformer>();
            options.AddOperationTransformer<ProblemResponsesTransformer>();
            options.AddSchemaTransformer<OptionalFieldsTransformer>();
        });
        return services;
    }

    /// <summary>The document at /openapi/v1.json and the interactive reference (Scalar, assets served by this server) at /api/reference.</summary>
    public static IEndpointRouteBuilder MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi(DocumentRoute);
        app.MapScalarApiReference(ReferenceRoute, options => options
            .WithTitle("MlOps API")
            .WithOpenApiRoutePattern(DocumentRoute)
            .AddPreferredSecuritySchemes(SecuritySchemesTransformer.Bearer));
        return app;
    }
}
