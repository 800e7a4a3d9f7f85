using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Pipelines.GitLab;

/// <summary>Writes YAML scalars: plain when unambiguous, double-quoted with escapes otherwise.</summary>
internal static partial class YamlText
{
    [GeneratedRegex("^[A-Za-z_./][A-Za-z0-9_./-]*$")]
    private static partial Regex Safe();

    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
        { "true", "false", "yes", "no", "on", "off", "null", "y", "n" };

    public static string Scalar(string value)
    {
        if (Safe().IsMatch(value) && !Reserved.Contains(value)) return value;
        var sb = new StringBuilder("\"");
        foreach (var c in value)
            sb.Append(c switch
            {
                '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", '\r' => "\\r",
                _ when char.IsControl(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return sb.Append('"').ToString();
    }
}
