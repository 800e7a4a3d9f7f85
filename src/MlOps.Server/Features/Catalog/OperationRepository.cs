using System.Text.Json;
using Dapper;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

public sealed class OperationRow
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string Owner { get; init; } = "";
    public string Name { get; init; } = "";
    public string Kind { get; init; } = "";
    public string? Description { get; init; }
    public string[] Tags { get; init; } = [];
    public string[] InputTypes { get; init; } = [];
    public string[] OutputTypes { get; init; } = [];
    public string? LatestVersion { get; init; }
    public int StarCount { get; init; }
    public long UseCount { get; init; }
    public DateTime UpdatedAt { get; init; }
    /// <summary>Joined from the project: its full path.</summary>
    public string ProjectPath { get; init; } = "";

    public OperationSummary ToSummary() => new(Owner, Name, ProjectPath, Kind, Description, Tags, InputTypes, OutputTypes, LatestVersion,
        StarCount, UseCount, new DateTimeOffset(UpdatedAt, TimeSpan.Zero));
}

public sealed class VersionRow
{
    public long Id { get; init; }
    public long OperationId { get; init; }
    public string Version { get; init; } = "";
    public string CommitSha { get; init; } = "";
    public string ManifestYaml { get; init; } = "";
    public string Manifest { get; init; } = "";
    public string ImageReference { get; init; } = "";
    public string? ImageDigest { get; init; }
    public string Status { get; init; } = "";
    public long? BuildJobId { get; init; }
    public string? BuildFailure { get; init; }
    public DateTime? DeprecatedAt { get; init; }
    public string? DeprecationMessage { get; init; }
    public DateTime? YankedAt { get; init; }
    public string? YankReason { get; init; }
    public DateTime PublishedAt { get; init; }
    public string? PublishedByName { get; init; }

    public VersionResponse ToResponse(OperationRow op) => new(
        $"{op.Owner}/{op.Name}", Version, CommitSha, Status, ImageReference, ImageDigest,
        BuildJobId is { } job ? new BuildView(job, $"/api/v1/jobs/{job}/log", BuildFailure) : null,
        Utc(PublishedAt), PublishedByName, DeprecatedAt is { } d ? Utc(d) : null, DeprecationMessage,
        YankedAt is { } y ? Utc(y) : null, YankReason,
        JsonSerializer.Deserialize<ManifestView>(Manifest, StoredJson.Options)!);

    public VersionSummary ToSummary() => new(Version, CommitSha, Status, Utc(PublishedAt), DeprecatedAt is not null, YankedAt is not null);

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}

/// <summary>The operations and operation_versions tables.</summary>
public sealed class OperationRepository(NpgsqlDataSource dataSource)
{
    internal const string OperationSelect = """
        SELECT o.id, o.project_id, o.owner, o.name, o.kind, o.description, o.tags, o.input_types, o.output_types, o.latest_version,
               o.star_count, o.use_count, o.updated_at, n.full_path || '/' || p.path AS project_path
        FROM operations o
        JOIN projects p ON p.id = o.project_id
        JOIN namespaces n ON n.id = p.namespace_id
        """;

    private const string VersionSelect = """
        SELECT v.id, v.operation_id, v.version, v.commit_sha, v.manifest_yaml, v.manifest::text AS manifest, v.image_reference,
               v.image_digest, v.status, v.build_job_id, v.build_failure, v.deprecated_at, v.deprecation_message, v.yanked_at,
               v.yank_reason, v.published_at, u.username AS published_by_name
        FROM operation_versions v
        LEFT JOIN users u ON u.id = v.published_by
        """;

    public async Task<OperationRow?> FindAsync(string owner, string name, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
            $"{OperationSelect} WHERE lower(o.owner) = lower(@owner) AND lower(o.name) = lower(@name)",
            new { owner, name }, cancellationToken: cancellationToken));
    }

    public async Task<OperationRow?> FindByProjectAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<OperationRow>(new CommandDefinition(
            $"{OperationSelect} WHERE o.project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
    }

    public async Task<VersionRow?> FindVersionAsync(long operationId, string version, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<VersionRow>(new CommandDefinition(
            $"{VersionSelect} WHERE v.operation_id = @operationId AND v.version = @version",
            new { operationId, version }, cancellationToken: cancellationToken));
    }

    /// <summary>The version published at a commit that is usable now (the newest, when several share it), else the newest at all.</summary>
    public async Task<VersionRow?> FindByCommitAsync(long operationId, string commitSha, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<VersionRow>(new CommandDefinition(
            $"""
            {VersionSelect} WHERE v.operation_id = @operationId AND v.commit_sha = @commitSha
            ORDER BY (v.status = 'ready' AND v.yanked_at IS NULL) DESC, v.published_at DESC, v.id DESC
            """,
            new { operationId, commitSha }, cancellationToken: cancellationToken));
    }

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<VersionRow>> VersionsAsync(long operationId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<VersionRow>(new CommandDefinition(
            $"{VersionSelect} WHERE v.operation_id = @operationId ORDER BY v.published_at DESC, v.id DESC",
            new { operationId }, cancellationToken: cancellationToken))).AsList();
    }

    public async Task<IReadOnlyList<UserView>> UsersAsync(long operationId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // Only public projects are named: who uses an operation is shown to anyone who may see the operation.
        var rows = await connection.QueryAsync<(string Project, long Jobs, DateTime LastUsedAt)>(new CommandDefinition(
            """
            SELECT n.full_path || '/' || p.path, u.job_count, u.last_used_at
            FROM operation_uses u
            JOIN projects p ON p.id = u.project_id
            JOIN namespaces n ON n.id = p.namespace_id
            WHERE u.operation_id = @operationId AND p.visibility = 'public'
            ORDER BY u.job_count DESC, u.last_used_at DESC
            LIMIT @limit
            """, new { operationId, limit }, cancellationToken: cancellationToken));
        return rows.Select(r => new UserView(r.Project, r.Jobs, new DateTimeOffset(DateTime.SpecifyKind(r.LastUsedAt, DateTimeKind.Utc)))).ToList();
    }

    /// <summary>Marks a version deprecated (message set) or not (null); returns false when there is no such version.</summary>
    public async Task<bool> SetDeprecationAsync(long operationId, string version, string? message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE operation_versions SET deprecation_message = @message,
                deprecated_at = CASE WHEN @message::text IS NULL THEN NULL ELSE COALESCE(deprecated_at, now()) END
            WHERE operation_id = @operationId AND version = @version
            """, new { operationId, version, message }, cancellationToken: cancellationToken)) == 1;
    }

    public async Task<bool> SetYankAsync(long operationId, string version, string? reason, bool yanked, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE operation_versions SET yank_reason = CASE WHEN @yanked THEN @reason ELSE NULL END,
                yanked_at = CASE WHEN @yanked THEN COALESCE(yanked_at, now()) ELSE NULL END
            WHERE operation_id = @operationId AND version = @version
            """, new { operationId, version, reason, yanked }, cancellationToken: cancellationToken)) == 1;
    }
}
