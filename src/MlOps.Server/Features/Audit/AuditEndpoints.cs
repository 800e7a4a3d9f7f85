using Dapper;
using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Features.Groups;
using MlOps.Server.Features.Namespaces;
using MlOps.Server.Features.Projects;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

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
            NpgsqlDataSource db, CancellationToken ct) =>
        {
            http.RequireAdmin();
            return TypedResults.Ok(await ListAsync(db, "TRUE", 0, PageRequest.From(cursor, per_page), ct));
        }).WithSummary("Every audit event (admin), newest first");

        audit.MapGet("/groups/{group}/audit_events", async Task<Ok<Page<AuditEventResponse>>> (string group, string? cursor,
            int? per_page, HttpContext http, GroupHandler groups, NpgsqlDataSource db, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (row, level) = await groups.FindVisibleAsync(caller, group, ct);
            Access.Require(level, AccessLevel.Owner, caller, "read this group's audit events");
            return TypedResults.Ok(await ListAsync(db, "namespace_id = @scope", row.Id, PageRequest.From(cursor, per_page), ct));
        }).WithSummary("A group's audit events (owner), newest first");

        audit.MapGet("/projects/{namespace}/{project}/audit_events", async Task<Ok<Page<AuditEventResponse>>> (string @namespace,
            string project, string? cursor, int? per_page, HttpContext http, ProjectHandler projects, NpgsqlDataSource db,
            CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var (row, level) = await projects.FindVisibleAsync(caller, @namespace, project, ct);
            Access.Require(level, AccessLevel.Maintainer, caller, "read this project's audit events");
            return TypedResults.Ok(await ListAsync(db, "project_id = @scope", row.Id, PageRequest.From(cursor, per_page), ct));
        }).WithSummary("A project's audit events (maintainer), newest first");

        return api;
    }

    // `filter` is one of the literals above, never input.
    private static async Task<Page<AuditEventResponse>> ListAsync(NpgsqlDataSource db, string filter, long scope, PageRequest page,
        CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditEventResponse>(new CommandDefinition(
            $"""
            SELECT id, at, actor_username, action, target_type, target_path, details::text AS details_json, ip_address
            FROM audit_events WHERE {filter} AND id < @before ORDER BY id DESC LIMIT @limit
            """,
            new { scope, before = page.After ?? long.MaxValue, limit = page.FetchLimit }, cancellationToken: cancellationToken))).AsList();
        return page.ToPage(rows, r => r.Id, r => r);
    }
}
