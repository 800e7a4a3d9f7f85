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
        {
            // Ordinary characters go straight in: a string per character cost more than the whole emit.
            if (!char.IsControl(c) && c is not ('"' or '\\')) { sb.Append(c); continue; }
            sb.Append(c switch
            {
                '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", '\r' => "\\r",
                _ => $"\\u{(int)c:x4}",
            });
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Single-quoted: backslashes stay literal, which keeps regular expressions readable.</summary>
    public static string SingleQuoted(string value) => "'" + value.Replace("'", "''") + "'";
}
