using System.Text.Json;
using Dapper;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Infrastructure.Audit;

public sealed record AuditEntry(
    string Action, string TargetType, long? TargetId, string TargetPath,
    long? NamespaceId = null, long? ProjectId = null, object? Details = null);

/// <summary>
/// Writes who changed what inside the caller's transaction, so a change and its record commit or
/// roll back together.
/// </summary>
public sealed class AuditLog(IHttpContextAccessor http)
{
    public Task WriteAsync(NpgsqlTransaction transaction, Caller? actor, AuditEntry entry, CancellationToken cancellationToken) =>
        transaction.Connection!.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_events (actor_id, actor_username, action, target_type, target_id, target_path,
                                      namespace_id, project_id, details, ip_address)
            VALUES (@actorId, @actorUsername, @Action, @TargetType, @TargetId, @TargetPath,
                    @NamespaceId, @ProjectId, @details::jsonb, @ip)
            """,
            new
            {
                actorId = actor?.UserId,
                actorUsername = actor?.Username ?? "system",
                entry.Action, entry.TargetType, entry.TargetId, entry.TargetPath, entry.NamespaceId, entry.ProjectId,
                details = JsonSerializer.Serialize(entry.Details ?? new { }, StoredJson.Options),
                ip = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            },
            transaction, cancellationToken: cancellationToken));
}
