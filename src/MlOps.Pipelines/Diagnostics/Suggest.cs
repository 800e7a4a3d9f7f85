namespace MlOps.Pipelines.Diagnostics;

/// <summary>"Did you mean" hints: the closest known name within a small edit distance.</summary>
public static class Suggest
{
    public static string? Closest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in known)
        {
            var d = Distance(typed, candidate);
            if (d < bestDistance) { best = candidate; bestDistance = d; }
        }
        // A third of the length keeps "trian" -> "train" but not "x" -> "fit".
        return best is not null && bestDistance <= Math.Max(1, typed.Length / 3) ? best : null;
    }

    public static string? DidYouMean(string typed, IEnumerable<string> known) =>
        Closest(typed, known) is { } s ? $"did you mean '{s}'?" : null;

    /// <summary>"did you mean 'x'?" when one is close, otherwise the list of what exists.</summary>
    public static string? DidYouMeanOrList(string typed, IReadOnlyCollection<string> known, string listLabel)
    {
        if (DidYouMean(typed, known) is { } hint) return hint;
        return known.Count == 0 ? null : $"{listLabel}: {string.Join(", ", known.Order(StringComparer.Ordinal))}";
    }

    // Optimal string alignment distance: insertions, deletions, substitutions and adjacent
    // transpositions ("trian" for "train") each cost one.
    private static int Distance(string a, string b)
    {
        if (Math.Abs(a.Length - b.Length) > 8) return int.MaxValue;
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        for (var j = 1; j <= b.Length; j++)
        {
            var cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }
}
