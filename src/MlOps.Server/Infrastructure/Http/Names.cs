using System.Text.RegularExpressions;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>Rules for usernames, group and project paths: they appear in URLs and on disk.</summary>
public static partial class Names
{
    // Top-level words the server's own routes use; a namespace with such a path would shadow them.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "api", "admin", "healthz", "readyz", "metrics", "openapi", "webhooks", "hangfire", "static",
        "assets", "help", "login", "logout", "explore", "dashboard", "users", "groups", "projects",
        "runner", "runners", "operations", "-", "new", "search", "settings", "public", "uploads",
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")]
    private static partial Regex PathPattern();

    /// <summary>Returns why <paramref name="value"/> is not a valid path, or null when it is.</summary>
    public static string? PathError(string? value, bool topLevel)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is required.";
        }
        if (!PathPattern().IsMatch(value))
        {
            return "must be 1 to 63 characters: letters, digits, '_', '-' or '.', starting with a letter or digit.";
        }
        if (value.Contains("..", StringComparison.Ordinal) || value.EndsWith('.')
            || value.EndsWith(".git", StringComparison.OrdinalIgnoreCase) || value.EndsWith(".atom", StringComparison.OrdinalIgnoreCase))
        {
            return "must not contain '..', end with '.', '.git' or '.atom'.";
        }
        if (topLevel && Reserved.Contains(value))
        {
            return $"'{value}' is reserved.";
        }
        return null;
    }

    [GeneratedRegex(@"^[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+$")]
    private static partial Regex EmailPattern();

    public static bool IsEmail(string? value) => value is { Length: <= 254 } && EmailPattern().IsMatch(value);

    /// <summary>Route values arrive URL-decoded except '%2F', which nested namespaces use.</summary>
    public static string DecodePath(string routeValue) => Uri.UnescapeDataString(routeValue).Trim('/');
}
