using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.GitLab;

/// <summary>Routes only: linking a project to a GitLab-hosted repository.</summary>
public static class GitLabEndpoints
{
    public static RouteGroupBuilder MapGitLabEndpoints(this RouteGroupBuilder api)
    {
        var gitlab = api.MapGroup("/projects/{namespace}/{project}/gitlab").WithTags("GitLab");

        gitlab.MapPut("", async Task<Ok<GitLabLinkResponse>> (string @namespace, string project, GitLabLinkRequest request,
            HttpContext http, GitLabLinkHandler handler, CancellationToken ct) =>
        {
            var baseUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
            return TypedResults.Ok(await handler.LinkAsync(http.RequireCaller(), @namespace, project, request, baseUrl, ct));
        }).WithSummary("Keep this project's repository on GitLab (maintainer): {url, project (id or path), token (api scope, "
            + "maintainer)}. Registers the push webhook, stores the token encrypted, fetches a local mirror; Git HTTP on this "
            + "server then answers 404 for the project");

        gitlab.MapGet("", async Task<Ok<GitLabLinkResponse>> (string @namespace, string project, HttpContext http,
            GitLabLinkHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.GetAsync(http.Caller(), @namespace, project, ct)))
            .WithSummary("The project's GitLab link (never the token)");

        gitlab.MapDelete("", async Task<NoContent> (string @namespace, string project, HttpContext http, GitLabLinkHandler handler,
            CancellationToken ct) =>
        {
            await handler.UnlinkAsync(http.RequireCaller(), @namespace, project, ct);
            return TypedResults.NoContent();
        }).WithSummary("Unlink from GitLab (maintainer): removes the webhook and the mirror; the project is embedded again");
        return api;
    }
}
