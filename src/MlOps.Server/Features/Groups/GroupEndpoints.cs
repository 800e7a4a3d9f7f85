using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Groups;

/// <summary>Routes only. A nested group is addressed by its URL-encoded full path (`acme%2Fvision`), as in GitLab.</summary>
public static class GroupEndpoints
{
    public static RouteGroupBuilder MapGroupEndpoints(this RouteGroupBuilder api)
    {
        var groups = api.MapGroup("/groups").WithTags("Groups");

        groups.MapPost("", async Task<Created<GroupResponse>> (CreateGroupRequest request, HttpContext http,
            GroupHandler handler, CancellationToken ct) =>
        {
            var group = await handler.CreateAsync(http.RequireCaller(), request, ct);
            return TypedResults.Created($"/api/v1/groups/{Uri.EscapeDataString(group.FullPath)}", group);
        }).WithSummary("Create a group; with `parent`, a subgroup (maintainer of the parent)");

        groups.MapGet("", async Task<Ok<Page<GroupResponse>>> (string? cursor, int? per_page, HttpContext http,
            GroupHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.ListAsync(http.Caller(), PageRequest.From(cursor, per_page), ct)))
            .WithSummary("Groups the caller can see");

        groups.MapGet("/{group}", async Task<Ok<GroupResponse>> (string group, HttpContext http, GroupHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.GetAsync(http.Caller(), group, ct)))
            .WithSummary("Get a group");

        groups.MapPatch("/{group}", async Task<Ok<GroupResponse>> (string group, UpdateGroupRequest request, HttpContext http,
            GroupHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.UpdateAsync(http.RequireCaller(), group, request, ct)))
            .WithSummary("Change a group's name, description or visibility (owner)");

        groups.MapDelete("/{group}", async Task<NoContent> (string group, HttpContext http, GroupHandler handler,
            CancellationToken ct) =>
        {
            await handler.DeleteAsync(http.RequireCaller(), group, ct);
            return TypedResults.NoContent();
        }).WithSummary("Delete a group with its subgroups and projects (owner)");

        return api;
    }

    public static IServiceCollection AddGroups(this IServiceCollection services)
    {
        services.AddSingleton<GroupRepository>();
        services.AddSingleton<GroupHandler>();
        return services;
    }
}
