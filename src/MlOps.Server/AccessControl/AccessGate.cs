using Dapper;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.AccessControl;

/// <summary>The gate's answer: allowed, or why not. A project the caller may not see looks absent.</summary>
public enum AccessVerdict { Allowed, LooksAbsent, Forbidden }

public sealed record AccessDecision<T>(AccessVerdict Verdict, T? Target, AccessLevel Level, AccessLevel Needed) where T : class;

/// <summary>
/// The one place that answers "may this caller do this here". Whatever a caller may not see
/// answers exactly like something that does not exist (same status, same message), so that
/// private names never leak. Admins act as owners everywhere.
/// </summary>
public sealed partial class AccessGate(NpgsqlDataSource dataSource)
{
    /// <summary>The caller's level: ownership of a personal namespace, membership of the group or its parent, membership of the project.</summary>
    internal const string ProjectLevelSql = """
        GREATEST(
            CASE WHEN n.owner_user_id = @userId THEN 50 ELSE 0 END,
            COALESCE((SELECT max(m.access_level) FROM namespace_members m
                      WHERE m.user_id = @userId AND m.namespace_id IN (n.id, n.parent_id)), 0),
            COALESCE((SELECT pm.access_level FROM project_members pm
                      WHERE pm.project_id = p.id AND pm.user_id = @userId), 0))
        """;

    private const string ProjectSelect = $"""
        SELECT p.id AS project_id, p.path, p.namespace_id, n.full_path AS namespace_full_path, n.kind AS namespace_kind,
               COALESCE(n.parent_id, n.id) AS client_id, COALESCE(root.full_path, n.full_path) AS client_path,
               p.visibility, p.default_branch, p.git_backend, {ProjectLevelSql} AS level
        FROM projects p
        JOIN namespaces n ON n.id = p.namespace_id
        LEFT JOIN namespaces root ON root.id = n.parent_id
        """;

    /// <summary>The project if the caller may do <paramref name="action"/> on it; throws the matching problem otherwise.</summary>
    public async Task<ProjectAccess> ProjectAsync(Caller? caller, string namespacePath, string projectPath, ProjectAction action,
        CancellationToken cancellationToken)
    {
        var ns = Names.DecodePath(namespacePath);
        var decision = Decide(caller, await FindAsync(
            $"{ProjectSelect} WHERE lower(n.full_path) = lower(@ns) AND lower(p.path) = lower(@projectPath)",
            new { ns, projectPath, userId = caller?.UserId ?? 0 }, cancellationToken), action);
        return Enforce(decision, caller, action.Describe(), $"Project '{ns}/{projectPath}' not found.");
    }

    /// <summary>As <see cref="ProjectAsync(Caller?, string, string, ProjectAction, CancellationToken)"/>, by id (runs, jobs, artifacts name their project by id).</summary>
    public async Task<ProjectAccess> ProjectAsync(Caller? caller, long projectId, ProjectAction action, CancellationToken cancellationToken,
        string notFound = "Project not found.")
    {
        var decision = Decide(caller, await FindAsync($"{ProjectSelect} WHERE p.id = @projectId",
            new { projectId, userId = caller?.UserId ?? 0 }, cancellationToken), action);
        return Enforce(decision, caller, action.Describe(), notFound);
    }

    /// <summary>The verdict without throwing, for protocols that answer in their own way (Git HTTP, LFS).</summary>
    public async Task<AccessDecision<ProjectAccess>> DecideProjectAsync(Caller? caller, string namespacePath, string projectPath,
        ProjectAction action, CancellationToken cancellationToken) =>
        Decide(caller, await FindAsync(
            $"{ProjectSelect} WHERE lower(n.full_path) = lower(@ns) AND lower(p.path) = lower(@projectPath)",
            new { ns = Names.DecodePath(namespacePath), projectPath, userId = caller?.UserId ?? 0 }, cancellationToken), action);

    private async Task<ProjectAccess?> FindAsync(string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ProjectAccess>(new CommandDefinition(sql, parameters,
            cancellationToken: cancellationToken));
    }

    private static AccessDecision<ProjectAccess> Decide(Caller? caller, ProjectAccess? project, ProjectAction action)
    {
        if (project is null)
        {
            return new AccessDecision<ProjectAccess>(AccessVerdict.LooksAbsent, null, AccessLevel.None, action.Needs());
        }
        var needed = action.Needs(project.Visibility);
        var level = caller?.IsAdmin == true ? AccessLevel.Owner : project.Level;
        var seen = Rules.CanSee(project.Visibility, level, caller);
        if (caller?.Job is { } job)
        {
            // A job token reads its own project, and the projects its inputs name as far as the user who
            // started the run may; every other project looks absent to it and it may never write.
            (seen, level) = project.ProjectId == job.ProjectId ? (true, (AccessLevel)Math.Max((int)level, (int)AccessLevel.Reporter))
                : (seen && job.InputProjects.Contains(project.FullPath), level);
            if (action != ProjectAction.Read)
            {
                level = AccessLevel.None;
            }
        }
        var allowed = project with { Level = level };
        var verdict = !seen ? AccessVerdict.LooksAbsent : level >= needed ? AccessVerdict.Allowed : AccessVerdict.Forbidden;
        return new AccessDecision<ProjectAccess>(verdict, verdict == AccessVerdict.LooksAbsent ? null : allowed, level, needed);
    }

    /// <summary>
    /// Turns a verdict into the answer every endpoint gives: the target, 404 with <paramref name="notFound"/>
    /// (the same text whether it is absent or hidden), 401 for anonymous callers, 403 for the rest.
    /// </summary>
    public static T Enforce<T>(AccessDecision<T> decision, Caller? caller, string what, string notFound) where T : class =>
        decision.Verdict switch
        {
            AccessVerdict.Allowed => decision.Target!,
            AccessVerdict.LooksAbsent => throw new NotFoundException(notFound),
            _ when caller is null => throw new UnauthorizedException($"Authentication is required to {what}."),
            _ => throw new ForbiddenException($"You need the {decision.Needed.ToRole()} role or higher to {what}."),
        };

    /// <summary>
    /// A rule finer than an action (a member leaving, only owners touching owners): the level the gate
    /// found must reach <paramref name="needed"/>; 401 for anonymous callers, 403 for the rest.
    /// </summary>
    public static void Require(AccessLevel level, AccessLevel needed, Caller? caller, string what)
    {
        if (level < needed)
        {
            throw caller is null
                ? new UnauthorizedException($"Authentication is required to {what}.")
                : new ForbiddenException($"You need the {needed.ToRole()} role or higher to {what}.");
        }
    }
}
