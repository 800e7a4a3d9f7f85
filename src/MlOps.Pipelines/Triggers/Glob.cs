using System.Collections.Concurrent;
using System.Text;

namespace MlOps.Pipelines.Triggers;

/// <summary>
/// Path and ref globs: <c>*</c> and <c>?</c> stay within one path segment, <c>**</c> (a whole
/// segment) crosses any number of them. No character classes or braces: fewer surprises.
/// Matching is DotNet.Glob's; the regular-expression form below is only for the GitLab CI emitter,
/// whose <c>rules:</c> take regular expressions.
/// </summary>
public static class Glob
{
    private static readonly ConcurrentDictionary<string, DotNet.Globbing.Glob> Compiled = new(StringComparer.Ordinal);

    /// <summary>Null when valid, otherwise why not.</summary>
    public static string? Validate(string pattern)
    {
        if (pattern.Length == 0) return "a glob must not be empty";
        if (pattern.Length > 256) return "a glob is limited to 256 characters";
        if (pattern.IndexOfAny(['[', ']', '{', '}', '\\']) >= 0) return "character classes, braces and backslashes are not supported in globs";
        foreach (var segment in pattern.Split('/'))
            if (segment.Contains("**") && segment != "**") return "'**' must be a whole path segment, as in 'data/**/x.csv'";
        return null;
    }

    public static bool IsMatch(string pattern, string text) =>
        Compiled.GetOrAdd(pattern, p => DotNet.Globbing.Glob.Parse(p)).IsMatch(text)
        // "a/**" documents "a and everything under it"; DotNet.Glob wants at least one segment after "a/".
        || (pattern.EndsWith("/**", StringComparison.Ordinal) && IsMatch(pattern[..^3], text));

    /// <summary>
    /// The pattern as an anchored regular expression; <paramref name="slash"/> is how the dialect writes
    /// a literal '/' (GitLab's /.../ literals need "\/") and <paramref name="literal"/> escapes one character.
    /// </summary>
    internal static string ToRegex(string pattern, string slash, Func<char, string> literal)
    {
        var sb = new StringBuilder("^");
        var segments = pattern.Split('/');
        var notSlash = "[^" + slash + "]";
        for (var i = 0; i < segments.Length; i++)
        {
            var last = i == segments.Length - 1;
            if (segments[i] == "**")
            {
                // "a/**" matches a and everything under it; "**/b" matches b at any depth.
                sb.Append(last ? (i == 0 ? ".*" : $"(?:{slash}.*)?") : (i == 0 ? $"(?:.*{slash})?" : $"(?:{slash}.*)?{slash}"));
                continue;
            }
            if (i > 0 && segments[i - 1] != "**") sb.Append(slash);
            foreach (var c in segments[i])
                sb.Append(c switch { '*' => notSlash + "*", '?' => notSlash, _ => literal(c) });
        }
        return sb.Append('$').ToString();
    }
}
