using System.Text.RegularExpressions;

namespace MlOps.Pipelines.Parsing;

/// <summary>A <c>${{ ... }}</c> reference found in a string, with its offset.</summary>
internal sealed record Expression(int Index, int Length, string Scope, string? Step, string Name, string Text);

/// <summary>
/// The reference syntax: <c>${{ steps.x.outputs.y }}</c>, <c>${{ params.p }}</c>,
/// <c>${{ inputs.i }}</c>, <c>${{ outputs.o }}</c>. Nothing else is evaluated: no functions, no operators.
/// </summary>
internal static partial class Expressions
{
    [GeneratedRegex(@"\$\{\{(.*?)\}\}", RegexOptions.Singleline)]
    private static partial Regex Any();

    [GeneratedRegex(@"^\s*(?:steps\.([A-Za-z_][A-Za-z0-9_-]*)\.outputs\.([A-Za-z_][A-Za-z0-9_]*)|(params|inputs|outputs)\.([A-Za-z_][A-Za-z0-9_]*))\s*$")]
    private static partial Regex Reference();

    public const string Forms = "use ${{ steps.<step>.outputs.<name> }}, ${{ params.<name> }}, ${{ inputs.<name> }} or ${{ outputs.<name> }}";

    public static bool Contains(string text) => text.Contains("${{", StringComparison.Ordinal);

    /// <summary>Every reference in the text; malformed ones come back with Scope "invalid".</summary>
    public static List<Expression> FindAll(string text)
    {
        var result = new List<Expression>();
        if (!Contains(text)) return result;
        foreach (Match m in Any().Matches(text))
        {
            var r = Reference().Match(m.Groups[1].Value);
            if (!r.Success) result.Add(new(m.Index, m.Length, "invalid", null, "", m.Value));
            else if (r.Groups[1].Success) result.Add(new(m.Index, m.Length, "steps", r.Groups[1].Value, r.Groups[2].Value, m.Value));
            else result.Add(new(m.Index, m.Length, r.Groups[3].Value, null, r.Groups[4].Value, m.Value));
        }
        // An opening "${{" with no closing braces is not a reference at all; say so rather than pass it on.
        var unclosed = text.IndexOf("${{", result.Count == 0 ? 0 : result[^1].Index + result[^1].Length, StringComparison.Ordinal);
        if (unclosed >= 0) result.Add(new(unclosed, 3, "invalid", null, "", text[unclosed..Math.Min(text.Length, unclosed + 20)]));
        return result;
    }

    /// <summary>The single reference that makes up the whole text, if it is one.</summary>
    public static Expression? Whole(string text)
    {
        var all = FindAll(text);
        return all.Count == 1 && all[0].Index == 0 && all[0].Length == text.Length ? all[0] : null;
    }
}
