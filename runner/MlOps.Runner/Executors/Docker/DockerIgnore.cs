using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// The `.dockerignore` rules of a build context, as `docker build` reads them: one pattern a line
/// (`#` comments, blank lines skipped), `*` and `?` within one path segment, `**` across segments,
/// `[…]` classes, `!` to take a path back; a path is excluded when a pattern matches it or one of
/// its parent directories, and the last pattern that matches wins.
/// </summary>
public sealed class DockerIgnore
{
    private readonly List<(Regex Pattern, bool Include)> rules = [];

    public static readonly DockerIgnore None = new([]);

    public DockerIgnore(IEnumerable<string> lines)
    {
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var include = line.StartsWith('!');
            var pattern = Clean(include ? line[1..].Trim() : line);
            if (pattern.Length > 0)
            {
                rules.Add((new Regex("^" + ToRegex(pattern) + "$", RegexOptions.CultureInvariant), include));
            }
        }
    }

    public static DockerIgnore Read(string contextDirectory)
    {
        var file = Path.Combine(contextDirectory, ".dockerignore");
        return File.Exists(file) ? new DockerIgnore(File.ReadAllLines(file)) : None;
    }

    /// <summary>Whether some pattern takes paths back: then an excluded directory must still be walked.</summary>
    public bool HasExceptions => rules.Any(r => r.Include);

    /// <summary>Whether <paramref name="relativePath"/> (slash-separated, relative to the context) stays out of the context.</summary>
    public bool Excludes(string relativePath)
    {
        var excluded = false;
        foreach (var (pattern, include) in rules)
        {
            if (MatchesOrParentMatches(pattern, relativePath))
            {
                excluded = !include;
            }
        }
        return excluded;
    }

    private static bool MatchesOrParentMatches(Regex pattern, string path)
    {
        if (pattern.IsMatch(path))
        {
            return true;
        }
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (pattern.IsMatch(path[..slash]))
            {
                return true;
            }
        }
        return false;
    }

    // Docker cleans each pattern as a path: no leading '/', no '.' segments, '..' resolved.
    private static string Clean(string pattern)
    {
        var parts = new List<string>();
        foreach (var part in pattern.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        return string.Join('/', parts);
    }

    private static string ToRegex(string pattern)
    {
        var regex = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                i++;
                if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                {
                    i++;
                    regex.Append("(?:.*/)?"); // "**/": any number of directories, none included
                }
                else
                {
                    regex.Append(".*");
                }
            }
            else if (c == '*')
            {
                regex.Append("[^/]*");
            }
            else if (c == '?')
            {
                regex.Append("[^/]");
            }
            else if (c == '[' && pattern.IndexOf(']', i + 1) is var close and > 0)
            {
                var body = pattern[(i + 1)..close];
                regex.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                i = close;
            }
            else
            {
                regex.Append(Regex.Escape(c.ToString()));
            }
        }
        return regex.ToString();
    }
}
