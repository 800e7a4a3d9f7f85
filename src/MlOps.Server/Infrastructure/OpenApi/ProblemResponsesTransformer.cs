using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MlOps.Server.Infrastructure.OpenApi;

/// <summary>
/// Adds the RFC 7807 problem responses that every operation can give, by the rules the API keeps
/// everywhere (Infrastructure/Http): 400 for a malformed body or parameter, 401 for missing or bad
/// credentials, 403 for a token or role that may not, 404 for what does not exist or may not be
/// seen, 409 for a create or change that clashes with what exists, 413 for a body over
/// `Http:MaxApiBodyBytes`, 415 for a body that is not JSON. An operation that declares a status itself keeps its own.
/// </summary>
internal sealed class ProblemResponsesTransformer : IOpenApiOperationTransformer, IOpenApiDocumentTransformer
{
    public const string ProblemSchema = "ProblemDetails";

    /// <summary>The problem document's schema, as ProblemExceptionHandler writes it.</summary>
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        OpenApiSchema Of(JsonSchemaType type, string description) => new() { Type = type, Description = description };
        document.Components.Schemas[ProblemSchema] = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = "An RFC 7807 problem document (application/problem+json).",
            Required = new HashSet<string> { "status", "title" },
            Properties = new Dictionary<string, IOpenApiSchema>
            {
                ["type"] = Of(JsonSchemaType.String, "A URI naming the kind of problem."),
                ["title"] = Of(JsonSchemaType.String, "A short summary of the kind of problem."),
                ["status"] = Of(JsonSchemaType.Integer, "The HTTP status code."),
                ["detail"] = Of(JsonSchemaType.String, "What went wrong with this request, for a person to read."),
                ["instance"] = Of(JsonSchemaType.String, "The request path."),
                ["trace_id"] = Of(JsonSchemaType.String, "Quote it when reporting a problem; the server's log has the same id."),
                ["errors"] = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "Field errors (400): field name to messages.",
                    AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = Of(JsonSchemaType.String, "A message.") },
                },
            },
        };
        return Task.CompletedTask;
    }

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        var path = "/" + (description.RelativePath ?? "");
        if (!path.StartsWith("/api/", StringComparison.Ordinal))
        {
            return Task.CompletedTask;
        }
        var method = description.HttpMethod ?? "GET";
        var hasBody = operation.RequestBody is not null;
        var writes = method is "POST" or "PUT" or "PATCH";
        Add(operation, context, "400", "The body or a parameter is not valid; `errors` names the fields.",
            hasBody || operation.Parameters?.Count > 0);
        Add(operation, context, "401", "No credentials where they are needed, or a token that is unknown, revoked or expired.", true);
        Add(operation, context, "403", "The caller may see this but not do it (role, or a token without the `api` scope).", true);
        Add(operation, context, "404", "Not found, or not visible to the caller (both answer the same).", path.Contains('{'));
        Add(operation, context, "409", "Clashes with what exists (a name taken, a state that does not allow it).", writes);
        Add(operation, context, "413", "The body is larger than `Http:MaxApiBodyBytes`.", hasBody);
        Add(operation, context, "415", "The body is not sent as `application/json`.", hasBody);
        return Task.CompletedTask;
    }

    private static void Add(OpenApiOperation operation, OpenApiOperationTransformerContext context, string status, string why, bool applies)
    {
        operation.Responses ??= new OpenApiResponses();
        if (!applies || operation.Responses.ContainsKey(status))
        {
            return;
        }
        operation.Responses[status] = new OpenApiResponse
        {
            Description = why,
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference(ProblemSchema, context.Document) },
            },
        };
    }
}
