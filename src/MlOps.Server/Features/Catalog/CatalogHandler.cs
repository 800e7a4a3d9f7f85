using Dapper;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Reading the catalog (an operation's page, a version) and the small writes beside it (stars,
/// deprecation, yanking). An operation whose project the caller may not see answers exactly like
/// one that does not exist.
/// </summary>
public sealed class CatalogHandler(AccessGate gate, OperationRepository operations, OperationSource source, NpgsqlDataSource dataSource)
{
    public async Task<OperationPage> PageAsync(Caller? caller, string owner, string name, string? version, CancellationToken cancellationToken)
    {
        var (op, project) = await FindAsync(caller, owner, name, ProjectAction.Read, cancellationToken);
        var versions = await operations.VersionsAsync(op.Id, cancellationToken);
        var shown = version is null
            ? versions.FirstOrDefault(v => v.YankedAt is null && v.Status == "ready") ?? versions.FirstOrDefault()
            : versions.FirstOrDefault(v => v.Version == version) ?? throw new NotFoundException($"Operation {op.Owner}/{op.Name} has no version '{version}'.");
        string? readme = null;
        if (shown is not null && await source.TextAsync(project.ProjectId, project.GitBackend, shown.CommitSha, OperationSource.ReadmeFile,
                cancellationToken) is { } markdown)
        {
            readme = ReadmeRenderer.Render(markdown, new ReadmeLinks(project.FullPath, shown.CommitSha));
        }
        var starred = caller is not null && await IsStarredAsync(op.Id, caller.UserId, cancellationToken);
        return new OperationPage(op.ToSummary(), starred, shown?.Version, readme, shown?.ToResponse(op).Manifest,
            versions.Select(v => v.ToSummary()).ToList(), await operations.UsersAsync(op.Id, 50, cancellationToken));
    }

    public async Task<VersionResponse> VersionAsync(Caller? caller, string owner, string name, string version, CancellationToken cancellationToken)
    {
        var (op, _) = await FindAsync(caller, owner, name, ProjectAction.Read, cancellationToken);
        var row = await operations.FindVersionAsync(op.Id, version, cancellationToken)
            ?? throw new NotFoundException($"Operation {op.Owner}/{op.Name} has no version '{version}'.");
        return row.ToResponse(op);
    }

    /// <summary>Deprecates (a message) or undeprecates (null) a version; maintainers of the operation's project.</summary>
    public async Task<VersionResponse> DeprecateAsync(Caller caller, string owner, string name, string version, string? message, bool deprecated,
        CancellationToken cancellationToken)
    {
        if (deprecated)
        {
            new Validator().Check(!string.IsNullOrWhiteSpace(message), "message", "message is required: say what to use instead.")
                .Text(message, "message", 500).ThrowIfAny();
        }
        var (op, _) = await FindAsync(caller, owner, name, ProjectAction.Manage, cancellationToken);
        if (!await operations.SetDeprecationAsync(op.Id, version, deprecated ? message!.Trim() : null, cancellationToken))
        {
            throw new NotFoundException($"Operation {op.Owner}/{op.Name} has no version '{version}'.");
        }
        return (await operations.FindVersionAsync(op.Id, version, cancellationToken))!.ToResponse(op);
    }

    /// <summary>Yanks (new runs refuse the version) or restores it; maintainers of the operation's project.</summary>
    public async Task<VersionResponse> YankAsync(Caller caller, string owner, string name, string version, string? reason, bool yanked,
        CancellationToken cancellationToken)
    {
        new Validator().Text(reason, "reason", 500).ThrowIfAny();
        var (op, _) = await FindAsync(caller, owner, name, ProjectAction.Manage, cancellationToken);
        if (!await operations.SetYankAsync(op.Id, version, string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(), yanked, cancellationToken))
        {
            throw new NotFoundException($"Operation {op.Owner}/{op.Name} has no version '{version}'.");
        }
        return (await operations.FindVersionAsync(op.Id, version, cancellationToken))!.ToResponse(op);
    }

    public async Task<StarResponse> StarAsync(Caller caller, string owner, string name, bool star, CancellationToken cancellationToken)
    {
        var (op, _) = await FindAsync(caller, owner, name, ProjectAction.Read, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // The count moves only when a row is really added or removed, so repeating either is harmless.
        var sql = star
            ? """
              WITH added AS (INSERT INTO operation_stars (operation_id, user_id) VALUES (@id, @userId) ON CONFLICT DO NOTHING RETURNING 1)
              UPDATE operations SET star_count = star_count + (SELECT count(*) FROM added) WHERE id = @id RETURNING star_count
              """
            : """
              WITH removed AS (DELETE FROM operation_stars WHERE operation_id = @id AND user_id = @userId RETURNING 1)
              UPDATE operations SET star_count = star_count - (SELECT count(*) FROM removed) WHERE id = @id RETURNING star_count
              """;
        var count = await connection.ExecuteScalarAsync<int>(new CommandDefinition(sql, new { id = op.Id, userId = caller.UserId },
            cancellationToken: cancellationToken));
        return new StarResponse(star, count);
    }

    /// <summary>The operation and its project, if the caller may do <paramref name="action"/> there; 404 exactly as for a missing one otherwise.</summary>
    public async Task<(OperationRow Operation, ProjectAccess Project)> FindAsync(Caller? caller, string owner, string name, ProjectAction action,
        CancellationToken cancellationToken)
    {
        var notFound = $"Operation '{owner}/{name}' not found.";
        var op = await operations.FindAsync(owner, name, cancellationToken) ?? throw new NotFoundException(notFound);
        var project = await gate.ProjectAsync(caller, op.ProjectId, action, cancellationToken, notFound);
        return (op, project);
    }

    private async Task<bool> IsStarredAsync(long operationId, long userId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM operation_stars WHERE operation_id = @operationId AND user_id = @userId)",
            new { operationId, userId }, cancellationToken: cancellationToken));
    }
}
