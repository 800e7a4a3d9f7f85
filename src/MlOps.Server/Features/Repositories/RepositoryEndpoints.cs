using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Repositories;

/// <summary>Routes only: repository browsing in GitLab's shapes, protected branches, push events.</summary>
public static class RepositoryEndpoints
{
    public static RouteGroupBuilder MapRepositoryEndpoints(this RouteGroupBuilder api)
    {
        var project = api.MapGroup("/projects/{namespace}/{project}").WithTags("Repository");
        var repository = project.MapGroup("/repository");

        repository.MapGet("/branches", async Task<Ok<IReadOnlyList<BranchResponse>>> (string @namespace, string project,
            HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.BranchesAsync(http.Caller(), @namespace, project, ct)))
            .WithSummary("Branches with their tip commits");

        repository.MapGet("/tags", async Task<Ok<IReadOnlyList<TagResponse>>> (string @namespace, string project,
            HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.TagsAsync(http.Caller(), @namespace, project, ct)))
            .WithSummary("Tags with the commits they point to");

        repository.MapGet("/commits", async Task<Ok<Page<CommitResponse>>> (string @namespace, string project, string? ref_name,
            string? cursor, int? per_page, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.CommitsAsync(http.Caller(), @namespace, project, ref_name, cursor, per_page, ct)))
            .WithSummary("Commits reachable from `ref_name` (default branch if omitted), newest first; pass `next_cursor` back as `cursor`");

        repository.MapGet("/commits/{sha}", async Task<Ok<CommitResponse>> (string @namespace, string project, string sha,
            HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.CommitAsync(http.Caller(), @namespace, project, sha, ct)))
            .WithSummary("One commit, by SHA or ref");

        repository.MapGet("/tree", async Task<Ok<IReadOnlyList<TreeEntryResponse>>> (string @namespace, string project, string? @ref,
            string? path, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.TreeAsync(http.Caller(), @namespace, project, @ref, path, ct)))
            .WithSummary("Entries of the directory `path` (root if omitted) at `ref`");

        repository.MapGet("/files/{file}/raw", async Task<IResult> (string @namespace, string project, string file, string? @ref,
            bool? lfs, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            await handler.RawFileAsync(http.Caller(), @namespace, project, file, @ref, lfs ?? false, ct))
            .WithSummary("A file's bytes at `ref`; the path is URL-encoded (`data%2Firis.csv`); `lfs=true` returns the LFS object "
                + "instead of its pointer");

        project.MapGet("/protected_branches", async Task<Ok<IReadOnlyList<ProtectedBranchResponse>>> (string @namespace,
            string project, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.ProtectedBranchesAsync(http.Caller(), @namespace, project, ct)))
            .WithSummary("Protected branches: pushing needs maintainer; force-push and deletion are refused");

        project.MapPost("/protected_branches", async Task<Created<ProtectedBranchResponse>> (string @namespace, string project,
            ProtectedBranchRequest request, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
        {
            var created = await handler.ProtectAsync(http.RequireCaller(), @namespace, project, request, ct);
            return TypedResults.Created($"{http.Request.Path}/{Uri.EscapeDataString(created.Name)}", created);
        }).WithSummary("Protect a branch (maintainer)");

        project.MapDelete("/protected_branches/{name}", async Task<NoContent> (string @namespace, string project, string name,
            HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
        {
            await handler.UnprotectAsync(http.RequireCaller(), @namespace, project, name, ct);
            return TypedResults.NoContent();
        }).WithSummary("Unprotect a branch (maintainer)");

        project.MapGet("/push_events", async Task<Ok<Page<PushEventResponse>>> (string @namespace, string project, string? cursor,
            int? per_page, HttpContext http, RepositoryHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.PushEventsAsync(http.Caller(), @namespace, project, PageRequest.From(cursor, per_page), ct)))
            .WithSummary("Refs moved by pushes (embedded) or push webhooks, oldest first (whoever can see the project)");
        return api;
    }
}
