using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Projects;

/// <summary>
/// Routes only. A project is addressed as `/projects/{namespace}/{project}`; a nested namespace is
/// URL-encoded (`acme%2Fvision`).
/// </summary>
public static class ProjectEndpoints
{
    public static RouteGroupBuilder MapProjectEndpoints(this RouteGroupBuilder api)
    {
        var projects = api.MapGroup("/projects").WithTags("Projects");

        projects.MapPost("", async Task<Created<ProjectResponse>> (CreateProjectRequest request, HttpContext http,
            ProjectHandler handler, CancellationToken ct) =>
        {
            var project = await handler.CreateAsync(http.RequireCaller(), request, ct);
            return TypedResults.Created(Location(project.Namespace, project.Path), project);
        }).WithSummary("Create a project (developer in a group, or in your own namespace)");

        projects.MapGet("", async Task<Ok<Page<ProjectResponse>>> (string? @namespace, string? q, string? topic, string? cursor,
            int? per_page, HttpContext http, ProjectHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.ListAsync(http.Caller(), @namespace, q, topic, PageRequest.From(cursor, per_page), ct)))
            .WithSummary("Projects the caller can see; `q` searches path, name and description, `topic` filters");

        var project = projects.MapGroup("/{namespace}/{project}");

        project.MapGet("", async Task<Ok<ProjectResponse>> (string @namespace, string project, HttpContext http,
            ProjectHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.GetAsync(http.Caller(), @namespace, project, ct)))
            .WithSummary("Get a project");

        project.MapPatch("", async Task<Ok<ProjectResponse>> (string @namespace, string project, UpdateProjectRequest request,
            HttpContext http, ProjectHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.UpdateAsync(http.RequireCaller(), @namespace, project, request, ct)))
            .WithSummary("Change settings or rename (maintainer)");

        project.MapDelete("", async Task<NoContent> (string @namespace, string project, HttpContext http, ProjectHandler handler,
            CancellationToken ct) =>
        {
            await handler.DeleteAsync(http.RequireCaller(), @namespace, project, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a project (owner)");

        return api;
    }

    public static string Location(string namespacePath, string path) =>
        $"/api/v1/projects/{Uri.EscapeDataString(namespacePath)}/{path}";

    public static IServiceCollection AddProjects(this IServiceCollection services)
    {
        services.AddSingleton<ProjectRepository>();
        services.AddSingleton<ProjectHandler>();
        return services;
    }
}
