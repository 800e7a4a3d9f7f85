using System.Globalization;
using System.Text.RegularExpressions;
using MlOps.Contracts.Runner;

namespace MlOps.Runner.Logs;

/// <summary>`::metric name=accuracy value=0.97 step=10` lines (step optional), as docs/pipeline-language.md defines them.</summary>
public static partial class MetricLines
{
    public static MetricPoint? Parse(string line)
    {
        var match = Line().Match(line);
        if (!match.Success)
        {
            return null;
        }
        var fields = Field().Matches(match.Groups[1].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
        if (!fields.TryGetValue("name", out var name) || name.Length is 0 or > 128
            || !fields.TryGetValue("value", out var text) || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || !double.IsFinite(value))
        {
            return null;
        }
        long? step = null;
        if (fields.TryGetValue("step", out var stepText))
        {
            if (!long.TryParse(stepText, NumberStyles.None, CultureInfo.InvariantCulture, out var s))
            {
                return null;
            }
            step = s;
        }
        return new MetricPoint(name, value, step);
    }

    [GeneratedRegex(@"^\s*::metric\s+(.*?)\s*$")]
    private static partial Regex Line();

    [GeneratedRegex(@"(\w+)=(\S+)")]
    private static partial Regex Field();
}
