using System.Text.Json;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>How the server writes JSON into jsonb columns: the same snake_case names the API uses.</summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
