using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runs;

public static class RunEndpoints
{
    public static RouteGroupBuilder MapRunEndpoints(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects/{namespace}/{project}/runs").WithTags("Runs");
        projects.MapGet("", async Task<Ok<Page<RunResponse>>> (string @namespace, string project, string? pipeline, string? @ref,
                string? status, string? cursor, int? per_page, HttpContext http, RunHandler handler, CancellationToken ct) =>
                TypedResults.Ok(await handler.ListAsync(http.Caller(), @namespace, project, pipeline, @ref, status,
                    PageRequest.From(cursor, per_page), ct)))
            .WithSummary("A project's runs, newest first, keyset-paged; filter by pipeline, ref and status");
        projects.MapPost("", async Task<Created<RunResponse>> (string @namespace, string project, ManualRunRequest request,
                HttpContext http, RunHandler handler, CancellationToken ct) =>
            {
                var run = await handler.CreateManualAsync(http.RequireCaller(), @namespace, project, request, ct);
                return TypedResults.Created($"/api/v1/runs/{run.Id}", run);
            })
            .WithSummary("Start a pipeline with a manual trigger at a ref, with params checked against their declared types");

        var runs = api.MapGroup("/runs/{id:long}").WithTags("Runs");
        runs.MapGet("", async Task<Ok<RunResponse>> (long id, HttpContext http, RunHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.GetAsync(http.Caller(), id, ct))).WithSummary("A run with its jobs");
        runs.MapPost("/cancel", async Task<Ok<RunResponse>> (long id, HttpContext http, RunHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.CancelAsync(http.RequireCaller(), id, ct)))
            .WithSummary("Cancel: jobs not started are canceled at once, running ones are told to stop");
        runs.MapPost("/retry", async Task<Created<RunResponse>> (long id, RetryRequest? request, HttpContext http, RunHandler handler,
                CancellationToken ct) =>
            {
                var run = await handler.RetryAsync(http.RequireCaller(), id, request?.FailedOnly ?? false, ct);
                return TypedResults.Created($"/api/v1/runs/{run.Id}", run);
            })
            .WithSummary("Run again at the same commit: everything, or only the jobs that did not succeed");

        api.MapGet("/jobs/{id:long}", async Task<Ok<JobResponse>> (long id, HttpContext http, RunHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.GetJobAsync(http.Caller(), id, ct))).WithTags("Runs").WithSummary("A job with its frozen spec");
        return api;
    }
}
