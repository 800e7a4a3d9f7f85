using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary><c>env:</c> holds plain values; <c>secrets:</c> holds names only, whose values live in project settings.</summary>
internal static class EnvParser
{
    private static readonly string[] SecretWords = ["PASSWORD", "TOKEN", "SECRET", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY"];

    public static Dictionary<string, string> ReadEnv(YNode node, NodeReader r, string where)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (r.Mapping(node, $"env of {where}") is not { } map) return result;
        foreach (var (key, value) in map.Entries)
        {
            if (!CheckName(key, r, "env")) continue;
            if (value is not YScalar s)
            {
                r.Errors.Add(value, $"env '{key.Value}' must be a string, got {NodeReader.Describe(value)}");
                continue;
            }
            // A committed value is visible to everyone who can read the repository, forever.
            if (SecretWords.Any(w => key.Value.Contains(w, StringComparison.OrdinalIgnoreCase)) && !s.IsNull)
            {
                r.Errors.Add(key, $"env '{key.Value}' looks like a secret and must not have its value in the file",
                    $"set it in the project settings and list it: secrets: [{key.Value}]");
                continue;
            }
            result[key.Value] = s.IsNull ? "" : s.Value;
        }
        return result;
    }

    public static List<string> ReadSecrets(YNode node, NodeReader r, string where)
    {
        var result = new List<string>();
        if (node is YMapping map)
        {
            foreach (var (key, _) in map.Entries)
                r.Errors.Add(key, $"secret '{key.Value}' has a value in the file; secrets lists names only",
                    $"set its value in the project settings and write secrets: [{key.Value}]");
            return result;
        }
        var names = r.StringList(node, $"secrets of {where}");
        var items = node is YSequence seq ? seq.Items : [node];
        for (var i = 0; i < names.Count && i < items.Count; i++)
            if (CheckName((YScalar)items[i], r, "secret")) result.Add(names[i]);
        return result;
    }

    private static bool CheckName(YScalar key, NodeReader r, string what)
    {
        if (!Names.EnvName().IsMatch(key.Value))
        {
            r.Errors.Add(key, $"{what} name '{key.Value}' is not a valid variable name", "use letters, digits and underscores, starting with a letter");
            return false;
        }
        if (key.Value.StartsWith("MLOPS_", StringComparison.OrdinalIgnoreCase))
        {
            r.Errors.Add(key, $"{what} name '{key.Value}' uses the reserved prefix MLOPS_");
            return false;
        }
        return true;
    }
}
