using System.Globalization;
using System.Text.RegularExpressions;

namespace MlOps.Pipelines.Parsing;

/// <summary>Memory sizes (Kubernetes style: 512Mi, 16Gi, 2G) and durations (90s, 30m, 2h, 1h30m).</summary>
internal static partial class Quantities
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T)?$")]
    private static partial Regex MemoryPattern();

    [GeneratedRegex(@"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")]
    private static partial Regex DurationPattern();

    public static bool TryMemory(string text, out long bytes)
    {
        bytes = 0;
        var m = MemoryPattern().Match(text);
        if (!m.Success) return false;
        var number = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        double unit = m.Groups[2].Value switch
        {
            "Ki" => 1L << 10, "Mi" => 1L << 20, "Gi" => 1L << 30, "Ti" => 1L << 40,
            "K" => 1e3, "M" => 1e6, "G" => 1e9, "T" => 1e12, _ => 1,
        };
        var value = number * unit;
        if (value is < 1 or > 1e15) return false;
        bytes = (long)value;
        return true;
    }

    public static bool TryDuration(string text, out int seconds)
    {
        seconds = 0;
        var m = DurationPattern().Match(text);
        if (!m.Success || text.Length == 0 || text.Length > 16) return false;
        long total = 0;
        int[] scale = [86400, 3600, 60, 1];
        for (var i = 0; i < 4; i++)
            if (m.Groups[i + 1].Success) total += long.Parse(m.Groups[i + 1].Value, CultureInfo.InvariantCulture) * scale[i];
        if (total is <= 0 or > int.MaxValue) return false;
        seconds = (int)total;
        return true;
    }

    public static string FormatDuration(int seconds)
    {
        var parts = new List<string>();
        if (seconds / 3600 > 0) parts.Add($"{seconds / 3600}h");
        if (seconds % 3600 / 60 > 0) parts.Add($"{seconds % 3600 / 60}m");
        if (seconds % 60 > 0 || parts.Count == 0) parts.Add($"{seconds % 60}s");
        return string.Join(" ", parts);
    }
}
