using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Members;

/// <summary>
/// Routes only: the members of a group (`/groups/{group}/members`) and of a project
/// (`/projects/{namespace}/{project}/members`), one implementation for both. The gate resolves the
/// target (whoever may not see it gets 404); <see cref="MemberHandler"/> applies the membership rules.
/// </summary>
public static class MemberEndpoints
{
    private delegate Task<(MembershipTarget Target, AccessLevel Level, string Location)> Resolve(HttpContext http, AccessGate gate,
        Caller? caller, CancellationToken ct);

    public static RouteGroupBuilder MapMemberEndpoints(this RouteGroupBuilder api)
    {
        MapMembers(api.MapGroup("/groups/{group}/members").WithTags("Groups"), async (http, gate, caller, ct) =>
        {
            var group = await gate.GroupAsync(caller, Route(http, "group"), NamespaceAction.Read, ct);
            return (new MembershipTarget(MembershipKind.Group, group.NamespaceId, group.FullPath, group.NamespaceId, null), group.Level,
                $"/api/v1/groups/{Uri.EscapeDataString(group.FullPath)}/members");
        });
        MapMembers(api.MapGroup("/projects/{namespace}/{project}/members").WithTags("Projects"), async (http, gate, caller, ct) =>
        {
            var project = await gate.ProjectAsync(caller, Route(http, "namespace"), Route(http, "project"), ProjectAction.View, ct);
            return (new MembershipTarget(MembershipKind.Project, project.ProjectId, project.FullPath, project.NamespaceId, project.ProjectId),
                project.Level, $"/api/v1/projects/{Uri.EscapeDataString(project.NamespaceFullPath)}/{project.Path}/members");
        });
        return api;
    }

    private static void MapMembers(RouteGroupBuilder members, Resolve resolve)
    {
        members.MapGet("", async Task<Ok<Page<MemberResponse>>> (string? cursor, int? per_page, HttpContext http, AccessGate gate,
            MemberHandler handler, CancellationToken ct) =>
        {
            var (target, _, _) = await resolve(http, gate, http.Caller(), ct);
            return TypedResults.Ok(await handler.ListAsync(target, PageRequest.From(cursor, per_page), ct));
        }).WithSummary("Direct members");

        members.MapPost("", async Task<Created<MemberResponse>> (AddMemberRequest request, HttpContext http, AccessGate gate,
            MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (target, level, location) = await resolve(http, gate, caller, ct);
            var member = await handler.AddAsync(caller, level, target, request, ct);
            return TypedResults.Created($"{location}/{member.Username}", member);
        }).WithSummary("Add a member (maintainer; owners only grant owner)");

        members.MapPut("/{username}", async Task<Ok<MemberResponse>> (string username, UpdateMemberRequest request, HttpContext http,
            AccessGate gate, MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (target, level, _) = await resolve(http, gate, caller, ct);
            return TypedResults.Ok(await handler.UpdateAsync(caller, level, target, username, request, ct));
        }).WithSummary("Change a member's role (maintainer; owners only touch owners)");

        members.MapDelete("/{username}", async Task<NoContent> (string username, HttpContext http, AccessGate gate,
            MemberHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (target, level, _) = await resolve(http, gate, caller, ct);
            await handler.RemoveAsync(caller, level, target, username, ct);
            return TypedResults.NoContent();
        }).WithSummary("Remove a member, or leave");
    }

    private static string Route(HttpContext http, string name) => http.Request.RouteValues[name] as string ?? "";
}
