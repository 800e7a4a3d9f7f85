using System.Text.RegularExpressions;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Git;

/// <summary>
/// A Git HTTP path, `/{namespace}/{project}.git/{action}`, where the namespace may be nested
/// (`acme/vision/iris.git/info/refs`). Names are checked with the same rules as at creation, so
/// `..`, empty segments and odd characters never match a project (<see cref="IsValid"/> is false).
/// </summary>
public sealed partial record GitRoute(string Namespace, string Project, string Action, bool IsValid)
{
    [GeneratedRegex(@"^(?<ns>[^/]+(?:/[^/]+)?)/(?<project>[^/]+)\.git(?:/(?<action>.*))?$")]
    private static partial Regex Pattern();

    public static bool LooksLikeGit(string? path) => path is not null && Pattern().IsMatch(path.TrimStart('/'));

    /// <summary>A repository path whose action is the LFS API (`info/lfs…`).</summary>
    public static bool IsLfs(string? path) =>
        path is not null && Parse(path) is { } route && route.Action.StartsWith("info/lfs", StringComparison.Ordinal);

    public static GitRoute? Parse(string path)
    {
        var match = Pattern().Match(path.TrimStart('/'));
        if (!match.Success)
        {
            return null;
        }
        var ns = match.Groups["ns"].Value;
        var project = match.Groups["project"].Value;
        var segments = ns.Split('/');
        // Reserved words are not checked: they only stop new namespaces (`admin` exists from the start).
        var valid = Names.PathError(project, topLevel: false) is null
            && segments.All(s => Names.PathError(s, topLevel: false) is null);
        return new GitRoute(ns, project, match.Groups["action"].Value, valid);
    }
}

/// <summary>Lets the catch-all smart HTTP route match only paths shaped like a repository, outside `info/lfs`.</summary>
public sealed class GitRouteConstraint : IRouteConstraint
{
    public const string Name = "gitrepo";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values,
        RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && GitRoute.LooksLikeGit(value as string) && !GitRoute.IsLfs(value as string);
}

/// <summary>Lets the LFS route match only `…/{project}.git/info/lfs…` paths.</summary>
public sealed class LfsRouteConstraint : IRouteConstraint
{
    public const string Name = "lfsrepo";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values,
        RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && GitRoute.LooksLikeGit(value as string) && GitRoute.IsLfs(value as string);
}
