using Markdig;
using Markdig.Renderers;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Renders a repository's README for the catalog page. It is anyone's text shown on our pages, so
/// raw HTML is escaped (DisableHtml) and links or images with a scheme other than http, https or
/// mailto (javascript:, data:, vbscript:) lose their target. Relative links and images point at
/// the repository's files at the shown version's commit (<see cref="ReadmeLinks"/>).
/// </summary>
public static class ReadmeRenderer
{
    public const int MaxBytes = 512 * 1024;

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .DisableHtml()
        .Build();

    public static string Render(string markdown, ReadmeLinks? links = null)
    {
        var document = Markdown.Parse(markdown.Length > MaxBytes ? markdown[..MaxBytes] : markdown, Pipeline);
        foreach (var link in document.Descendants<LinkInline>())
        {
            if (!IsSafe(link.Url)) link.Url = "#";
            else if (links?.Rewrite(link.Url, link.IsImage) is { } rewritten) link.Url = rewritten;
        }
        foreach (var link in document.Descendants<AutolinkInline>())
        {
            if (!link.IsEmail && !IsSafe(link.Url)) link.Url = "#";
        }
        using var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private static bool IsSafe(string? url)
    {
        if (string.IsNullOrEmpty(url)) return true;
        var trimmed = new string(url.Where(c => !char.IsWhiteSpace(c) && !char.IsControl(c)).ToArray());
        var colon = trimmed.IndexOf(':');
        // No scheme before any '/', '?' or '#': a relative link.
        if (colon < 0 || trimmed.IndexOfAny(['/', '?', '#']) is var stop && stop >= 0 && stop < colon) return true;
        var scheme = trimmed[..colon].ToLowerInvariant();
        return scheme is "http" or "https" or "mailto";
    }
}
