using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>
/// The rule for a clone URL that a forge's API answers (GitLab's `http_url_to_repo`, GitHub's
/// `clone_url`): it comes from outside, so it may be a path on this server's disk, a `file://`
/// URL or another host, and LibGit2Sharp would fetch any of them. Only an http(s) URL on the same
/// host and port as the forge URL the link names is ever fetched; check at link time and again
/// before every fetch.
/// </summary>
public static class ForgeCloneUrl
{
    /// <summary>Why <paramref name="cloneUrl"/> may not be fetched for a link to <paramref name="forgeUrl"/>; null when it may.</summary>
    public static string? Refusal(Uri forgeUrl, string? cloneUrl)
    {
        if (string.IsNullOrWhiteSpace(cloneUrl))
        {
            return "it is empty";
        }
        if (cloneUrl.Any(char.IsControl))
        {
            return "it contains control characters";
        }
        // On Linux a bare "/srv/x.git" parses as an absolute file: URI; both are refused here.
        if (!Uri.TryCreate(cloneUrl, UriKind.Absolute, out var url) || url.IsFile || url.IsUnc)
        {
            return "it is a local path, not an http(s) URL";
        }
        if (url.Scheme is not ("http" or "https"))
        {
            return $"its scheme '{url.Scheme}' is not http or https";
        }
        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "it carries credentials";
        }
        if (!string.Equals(url.IdnHost, forgeUrl.IdnHost, StringComparison.OrdinalIgnoreCase) || url.Port != forgeUrl.Port)
        {
            return $"it is on {url.Host}:{url.Port}, not on {forgeUrl.Host}:{forgeUrl.Port}";
        }
        return null;
    }

    /// <summary>
    /// The URL to fetch, or a 400 problem on <paramref name="field"/> that names <paramref name="forge"/>
    /// and says why the URL is refused.
    /// </summary>
    public static Uri Require(string forge, Uri forgeUrl, string? cloneUrl, string field = "url")
    {
        if (Refusal(forgeUrl, cloneUrl) is { } why)
        {
            throw new ValidationException(field,
                $"{forge} answered the repository URL '{cloneUrl}', which this server will not fetch: {why}. Only http(s) URLs on "
                + $"the same host and port as the {forge} URL of the link ({forgeUrl.Host}:{forgeUrl.Port}) are fetched.");
        }
        return new Uri(cloneUrl!);
    }
}
