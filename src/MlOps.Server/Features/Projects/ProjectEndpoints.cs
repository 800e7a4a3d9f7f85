using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Features.Members;
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
        {
            var caller = http.Caller();
            var (row, level) = await handler.FindVisibleAsync(caller, @namespace, project, ct);
            return TypedResults.Ok(row.ToResponse(level));
        }).WithSummary("Get a project");

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

        MapMembers(project.MapGroup("/members"));
        return api;
    }

    private static void MapMembers(RouteGroupBuilder members)
    {
        members.MapGet("", async Task<Ok<Page<MemberResponse>>> (string @namespace, string project, string? cursor, int? per_page,
            HttpContext http, ProjectHandler projects, MemberHandler handler, CancellationToken ct) =>
        {
            var (row, _) = await projects.FindVisibleAsync(http.Caller(), @namespace, project, ct);
            return TypedResults.Ok(await handler.ListAsync(ProjectHandler.MembershipOf(row), PageRequest.From(cursor, per_page), ct));
        }).WithSummary("Direct members of a project");

        members.MapPost("", async Task<Created<MemberResponse>> (string @namespace, string project, AddMemberRequest request,
            HttpContext http, ProjectHandler projects, MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (row, level) = await projects.FindVisibleAsync(caller, @namespace, project, ct);
            var member = await handler.AddAsync(caller, level, ProjectHandler.MembershipOf(row), request, ct);
            return TypedResults.Created($"{Location(row.NamespaceFullPath, row.Path)}/members/{member.Username}", member);
        }).WithSummary("Add a member (maintainer)");

        members.MapPut("/{username}", async Task<Ok<MemberResponse>> (string @namespace, string project, string username,
            UpdateMemberRequest request, HttpContext http, ProjectHandler projects, MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (row, level) = await projects.FindVisibleAsync(caller, @namespace, project, ct);
            return TypedResults.Ok(await handler.UpdateAsync(caller, level, ProjectHandler.MembershipOf(row), username, request, ct));
        }).WithSummary("Change a member's role (maintainer)");

        members.MapDelete("/{username}", async Task<NoContent> (string @namespace, string project, string username,
            HttpContext http, ProjectHandler projects, MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (row, level) = await projects.FindVisibleAsync(caller, @namespace, project, ct);
            await handler.RemoveAsync(caller, level, ProjectHandler.MembershipOf(row), username, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a member, or leave");
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
