using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Audit;

public sealed class AuditEventResponse
{
    public long Id { get; init; }
    public DateTime At { get; init; }
    public string ActorUsername { get; init; } = "";
    public string Action { get; init; } = "";
    public string TargetType { get; init; } = "";
    public string TargetPath { get; init; } = "";

    /// <summary>The event's details as a JSON document.</summary>
    public System.Text.Json.JsonElement Details => System.Text.Json.JsonDocument.Parse(DetailsJson).RootElement;

    [System.Text.Json.Serialization.JsonIgnore]
    public string DetailsJson { get; init; } = "{}";

    public string? IpAddress { get; init; }
}

/// <summary>Audit trails: the whole server's for admins, a group's for its owners, a project's for its maintainers.</summary>
public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAuditEndpoints(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("").WithTags("Audit");

        audit.MapGet("/audit_events", async Task<Ok<Page<AuditEventResponse>>> (string? cursor, int? per_page, HttpContext http,
            AuditRepository events, CancellationToken ct) =>
        {
            http.RequireAdmin();
            var page = PageRequest.From(cursor, per_page);
            return TypedResults.Ok(page.ToPage(await events.AllAsync(page, ct), r => r.Id, r => r));
        }).WithSummary("Every audit event (admin), newest first");

        audit.MapGet("/groups/{group}/audit_events", async Task<Ok<Page<AuditEventResponse>>> (string group, string? cursor,
            int? per_page, HttpContext http, AccessGate gate, AuditRepository events, CancellationToken ct) =>
        {
            var access = await gate.GroupAsync(http.RequireCaller(), group, NamespaceAction.Own, ct);
            var page = PageRequest.From(cursor, per_page);
            return TypedResults.Ok(page.ToPage(await events.OfNamespaceAsync(access.NamespaceId, page, ct), r => r.Id, r => r));
        }).WithSummary("A group's audit events (owner), newest first");

        audit.MapGet("/projects/{namespace}/{project}/audit_events", async Task<Ok<Page<AuditEventResponse>>> (string @namespace,
            string project, string? cursor, int? per_page, HttpContext http, AccessGate gate, AuditRepository events,
            CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.RequireCaller(), @namespace, project, ProjectAction.Manage, ct);
            var page = PageRequest.From(cursor, per_page);
            return TypedResults.Ok(page.ToPage(await events.OfProjectAsync(access.ProjectId, page, ct), r => r.Id, r => r));
        }).WithSummary("A project's audit events (maintainer), newest first");

        return api;
    }

    /// <summary>Reading only; the log itself (AuditLog) is infrastructure every feature writes through.</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services) => services.AddSingleton<AuditRepository>();
}
