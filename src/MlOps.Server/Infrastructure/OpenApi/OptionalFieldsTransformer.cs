using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace MlOps.Server.Infrastructure.OpenApi;

/// <summary>
/// The generator lists every constructor parameter of a record as required, so a body whose fields
/// are all optional (the lint request's `project`, `target`, …) read as if each had to be sent. A
/// field that is nullable or has a default may be left out; one the handler insists on although
/// its type is nullable says so with [Required].
/// </summary>
internal sealed class OptionalFieldsTransformer : IOpenApiSchemaTransformer
{
    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Required is not { Count: > 0 } required)
        {
            return Task.CompletedTask;
        }
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (IsOptional(property))
            {
                required.Remove(property.Name);
            }
            else if (MarkedRequired(property))
            {
                required.Add(property.Name);
            }
        }
        return Task.CompletedTask;
    }

    private static bool IsOptional(JsonPropertyInfo property) =>
        !MarkedRequired(property)
        && (property.IsSetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null
            || property.AssociatedParameter?.HasDefaultValue == true);

    private static bool MarkedRequired(JsonPropertyInfo property) =>
        property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;
}
