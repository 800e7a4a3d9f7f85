using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Catalog;

/// <summary>Routes only. An operation is addressed as `/operations/{owner}/{name}`, owner being its project's top-level namespace.</summary>
public static class CatalogEndpoints
{
    public static RouteGroupBuilder MapCatalogEndpoints(this RouteGroupBuilder api)
    {
        var operations = api.MapGroup("/operations").WithTags("Operation catalog");

        operations.MapGet("", async Task<Ok<CatalogPage>> (string? q, string? kind, string[]? tag, string? input, string? output, string? sort,
            int? page, int? per_page, HttpContext http, CatalogSearch search, CancellationToken ct) =>
            TypedResults.Ok(await search.SearchAsync(http.Caller(), new CatalogQuery(q, kind, tag ?? [], input, output, sort, page, per_page), ct)))
            .WithSummary("Search the catalog: `q` (full text, typo-tolerant), `kind`, `tag` (repeatable, all must match), `input`/`output` types, `sort` = relevance|stars|uses|recent");

        operations.MapPost("", async Task<Created<VersionResponse>> (PublishRequest request, HttpContext http, PublishHandler handler,
            CancellationToken ct) =>
        {
            var version = await handler.PublishAsync(http.RequireCaller(), request, ct);
            return TypedResults.Created($"/api/v1/operations/{version.Operation}/versions/{version.Version}", version);
        }).WithSummary("Publish a version from an operation project at a ref (developer of the project)");

        var operation = operations.MapGroup("/{owner}/{name}");

        operation.MapGet("", async Task<Ok<OperationPage>> (string owner, string name, string? version, HttpContext http, CatalogHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.PageAsync(http.Caller(), owner, name, version, ct)))
            .WithSummary("An operation's page: readme, params, inputs and outputs of a version (default: the newest usable), versions, users");

        operation.MapGet("/versions/{version}", async Task<Ok<VersionResponse>> (string owner, string name, string version, HttpContext http,
            CatalogHandler handler, CancellationToken ct) => TypedResults.Ok(await handler.VersionAsync(http.Caller(), owner, name, version, ct)))
            .WithSummary("One version: commit, manifest, image and build state");

        operation.MapPut("/versions/{version}/deprecation", async Task<Ok<VersionResponse>> (string owner, string name, string version,
            DeprecateRequest request, HttpContext http, CatalogHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.DeprecateAsync(http.RequireCaller(), owner, name, version, request.Message, true, ct)))
            .WithSummary("Deprecate a version: still usable, lint warns with the message (maintainer)");

        operation.MapDelete("/versions/{version}/deprecation", async Task<Ok<VersionResponse>> (string owner, string name, string version,
            HttpContext http, CatalogHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.DeprecateAsync(http.RequireCaller(), owner, name, version, null, false, ct)))
            .WithSummary("Undo a deprecation (maintainer)");

        operation.MapPut("/versions/{version}/yank", async Task<Ok<VersionResponse>> (string owner, string name, string version,
            YankRequest request, HttpContext http, CatalogHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.YankAsync(http.RequireCaller(), owner, name, version, request.Reason, true, ct)))
            .WithSummary("Yank a version: new runs and lint refuse it, existing runs keep their record (maintainer)");

        operation.MapDelete("/versions/{version}/yank", async Task<Ok<VersionResponse>> (string owner, string name, string version,
            HttpContext http, CatalogHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.YankAsync(http.RequireCaller(), owner, name, version, null, false, ct)))
            .WithSummary("Restore a yanked version (maintainer)");

        operation.MapPut("/star", async Task<Ok<StarResponse>> (string owner, string name, HttpContext http, CatalogHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.StarAsync(http.RequireCaller(), owner, name, true, ct)))
            .WithSummary("Star an operation (idempotent)");

        operation.MapDelete("/star", async Task<Ok<StarResponse>> (string owner, string name, HttpContext http, CatalogHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.StarAsync(http.RequireCaller(), owner, name, false, ct)))
            .WithSummary("Remove your star (idempotent)");

        operation.MapPost("/{version}/runs", async Task<Created<OperationRunResponse>> (string owner, string name, string version,
            OperationRunRequest request, HttpContext http, OperationRunHandler handler, CancellationToken ct) =>
        {
            var run = await handler.StartAsync(http.RequireCaller(), owner, name, version, request, ct);
            return TypedResults.Created($"/api/v1/runs/{run.RunId}", run);
        }).WithSummary("Run a published operation alone in a project (training or batch prediction), billed to the project's client (developer)");

        return api;
    }
}
