using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>Shape checks shared by the parsers; each reports to the sink and returns null on a mismatch.</summary>
internal sealed class NodeReader(ErrorSink errors)
{
    public ErrorSink Errors { get; } = errors;

    public YMapping? Mapping(YNode node, string what)
    {
        if (node is YMapping m) return m;
        Errors.Add(node, $"{what} must be a mapping, got {Describe(node)}");
        return null;
    }

    public void AllowKeys(YMapping map, string where, IReadOnlyCollection<string> allowed)
    {
        foreach (var (key, _) in map.Entries)
            if (!allowed.Contains(key.Value))
                Errors.Add(key, $"unknown key '{key.Value}' in {where}", Suggest.DidYouMeanOrList(key.Value, allowed, "expected one of"));
    }

    public string? String(YNode node, string what)
    {
        if (node is YScalar s && !s.IsNull) return s.Value;
        Errors.Add(node, $"{what} must be a string, got {Describe(node)}");
        return null;
    }

    public bool? Bool(YNode node, string what)
    {
        if (node is YScalar { IsPlain: true } s && TryBool(s.Value, out var b)) return b;
        Errors.Add(node, $"{what} must be true or false, got {Describe(node)}");
        return null;
    }

    /// <summary>A list of strings; a single string is accepted as a list of one.</summary>
    public List<string> StringList(YNode node, string what)
    {
        var result = new List<string>();
        if (node is YScalar { IsNull: false } one) { result.Add(one.Value); return result; }
        if (node is not YSequence seq)
        {
            Errors.Add(node, $"{what} must be a list of strings, got {Describe(node)}");
            return result;
        }
        foreach (var item in seq.Items)
            if (String(item, $"each item of {what}") is { } s) result.Add(s);
        return result;
    }

    public static bool TryBool(string text, out bool value)
    {
        value = text is "true" or "True" or "TRUE";
        return value || text is "false" or "False" or "FALSE";
    }

    /// <summary>How a node reads in an error: scalars by value, containers by kind.</summary>
    public static string Describe(YNode node) => node switch
    {
        YScalar { IsNull: true } => "nothing",
        YScalar s => $"'{Truncate(s.Value)}'",
        _ => node.KindName,
    };

    private static string Truncate(string s) => s.Length <= 40 ? s : s[..37] + "...";
}
