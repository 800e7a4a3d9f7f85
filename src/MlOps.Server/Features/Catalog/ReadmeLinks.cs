namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Where the relative links and images of an operation's README point: the files of its repository
/// at the version's commit, through the repository API (`…/repository/files/{path}/raw?ref=`, or
/// `…/repository/tree?ref=&amp;path=` for a folder), so the page shows the README as it was published
/// and a later push changes nothing. Links with a scheme, protocol-relative ones and bare
/// `#anchors` stay as they are. A path starting with `/` is from the repository root, as on GitHub
/// and GitLab; `..` never climbs above the root.
/// </summary>
public sealed class ReadmeLinks(string projectPath, string commitSha, string readmeDirectory = "")
{
    private readonly string projectApi = "/api/v1/projects/" + Uri.EscapeDataString(projectPath[..projectPath.LastIndexOf('/')]) + "/"
        + Uri.EscapeDataString(projectPath[(projectPath.LastIndexOf('/') + 1)..]);

    /// <summary>The URL to use instead of <paramref name="url"/>, or null to leave it.</summary>
    public string? Rewrite(string? url, bool image)
    {
        if (string.IsNullOrWhiteSpace(url) || url.StartsWith('#') || url.StartsWith("//", StringComparison.Ordinal) || HasScheme(url))
        {
            return null;
        }
        // Queries and anchors mean nothing to a raw file.
        var end = url.IndexOfAny(['?', '#']);
        var target = Uri.UnescapeDataString(end >= 0 ? url[..end] : url);
        var folder = target.EndsWith('/');
        var path = Resolve(target.StartsWith('/') ? "" : readmeDirectory, target);
        var commit = Uri.EscapeDataString(commitSha);
        if (path.Length == 0 || folder && !image)
        {
            return $"{projectApi}/repository/tree?ref={commit}" + (path.Length == 0 ? "" : "&path=" + Uri.EscapeDataString(path));
        }
        // An image may be an LFS file: ask for the object rather than its pointer.
        return $"{projectApi}/repository/files/{Uri.EscapeDataString(path)}/raw?ref={commit}" + (image ? "&lfs=true" : "");
    }

    private static bool HasScheme(string url)
    {
        var colon = url.IndexOf(':');
        return colon > 0 && url.IndexOfAny(['/', '?', '#']) is var stop && (stop < 0 || stop > colon);
    }

    private static string Resolve(string directory, string relative)
    {
        var parts = new List<string>(directory.Split('/', StringSplitOptions.RemoveEmptyEntries));
        foreach (var part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
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
}
