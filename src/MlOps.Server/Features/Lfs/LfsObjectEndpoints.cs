using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Lfs;

/// <summary>Routes only: the REST side of LFS (the Git LFS protocol itself is under /{ns}/{p}.git/info/lfs).</summary>
public static class LfsObjectEndpoints
{
    public static RouteGroupBuilder MapLfsEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/projects/{namespace}/{project}/lfs_objects", async Task<Ok<Page<LfsObjectResponse>>> (string @namespace,
            string project, string? cursor, int? per_page, HttpContext http, LfsObjectList list, CancellationToken ct) =>
            TypedResults.Ok(await list.ListAsync(http.Caller(), @namespace, project, cursor, per_page, ct)))
            .WithTags("Repository")
            .WithSummary("The project's Git LFS objects with their sizes, by oid; pass `next_cursor` back as `cursor` (reporter)");
        return api;
    }
}
