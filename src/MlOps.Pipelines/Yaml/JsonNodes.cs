using System.Text.Json;

namespace MlOps.Pipelines.Yaml;

/// <summary>
/// Reads a JSON value (the body of an API request) as a YAML tree, so params and inputs given over
/// the API are checked by the same code, with the same messages, as those written in mlops.yml.
/// Every node is placed at line 1, column 1: there is no file to point into.
/// </summary>
public static class JsonNodes
{
    public const int MaxDepth = 16;

    public static YNode From(JsonElement value, int depth = 0)
    {
        if (depth > MaxDepth) return new YScalar(1, 1, "", false);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var map = new YMapping(1, 1);
                foreach (var p in value.EnumerateObject()) map.TryAdd(new YScalar(1, 1, p.Name, false), From(p.Value, depth + 1));
                return map;
            case JsonValueKind.Array:
                var seq = new YSequence(1, 1);
                foreach (var item in value.EnumerateArray()) seq.Items.Add(From(item, depth + 1));
                return seq;
            case JsonValueKind.String:
                // Quoted: a JSON string stays a string ("5" is not the number 5).
                return new YScalar(1, 1, value.GetString()!, false);
            case JsonValueKind.Null or JsonValueKind.Undefined:
                return new YScalar(1, 1, "null", true);
            default:
                // Numbers and booleans are plain scalars, read by type like unquoted YAML.
                return new YScalar(1, 1, value.GetRawText(), true);
        }
    }
}
