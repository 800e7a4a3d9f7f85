using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Features.Projects;

public sealed class ProjectHandler(NpgsqlDataSource dataSource, AccessGate gate, ProjectRepository projects, AuditLog audit,
    EmbeddedGitBackend embedded, GitBackends backends)
{
    public async Task<ProjectResponse> CreateAsync(Caller caller, CreateProjectRequest request, CancellationToken cancellationToken)
    {
        var namespacePath = string.IsNullOrWhiteSpace(request.Namespace) ? caller.Username : Names.DecodePath(request.Namespace);
        var path = request.Path?.Trim() ?? "";
        var visibility = request.Visibility?.Trim().ToLowerInvariant() ?? "private";
        var topics = NormaliseTopics(request.Topics);
        var validator = new Validator();
        if (Names.PathError(path, topLevel: false) is { } pathError)
        {
            validator.Add("path", "path " + pathError);
        }
        validator.Check(Rules.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.");
        ValidateCommon(validator, request.Name, request.Description, topics, request.DefaultBranch);
        validator.ThrowIfAny();

        // Personal namespaces belong to their user alone; in groups, developers may create projects.
        var decision = await gate.DecideNamespaceAsync(caller, namespacePath, NamespaceAction.CreateProject, cancellationToken);
        var notFound = $"There is no namespace '{namespacePath}'.";
        if (decision.Verdict == AccessVerdict.LooksAbsent)
        {
            throw new ValidationException("namespace", notFound);
        }
        var level = AccessGate.Enforce(decision, caller, NamespaceAccess.Describe(NamespaceAction.CreateProject), notFound).Level;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Locked, so the namespace cannot become less visible than the project while it is created.
        var ns = await NamespaceRepository.FindAsync(connection, transaction, namespacePath, caller.UserId, cancellationToken, RowLock.Share)
            ?? throw new ValidationException("namespace", notFound);
        if (ns.IsGroup && Rules.Rank(visibility) > Rules.Rank(ns.Visibility))
        {
            throw new ValidationException("visibility", $"A project cannot be more visible than its group ({ns.Visibility}).");
        }

        long id;
        try
        {
            id = await ProjectRepository.InsertAsync(transaction, ns.Id, path, string.IsNullOrWhiteSpace(request.Name) ? path : request.Name.Trim(),
                request.Description?.Trim() ?? "", visibility, topics, request.DefaultBranch?.Trim() ?? "main", caller.UserId, cancellationToken);
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "projects_namespace_path_key"))
        {
            throw new ConflictException("path", $"The project '{ns.FullPath}/{path}' already exists.");
        }
        var defaultBranch = request.DefaultBranch?.Trim() ?? "main";
        await ProtectedBranchRepository.AddAsync(connection, transaction, id, defaultBranch, cancellationToken);
        // Whoever creates a project can push its first commit and manage it: maintainer, unless the
        // namespace already gives more (its owner, a group's maintainers and owners, admins).
        if (level < AccessLevel.Maintainer)
        {
            await MemberRepository.UpsertAsync(transaction, new MembershipTarget(MembershipKind.Project, id, $"{ns.FullPath}/{path}", ns.Id, id),
                caller.UserId, (int)AccessLevel.Maintainer, cancellationToken);
        }
        await audit.WriteAsync(transaction, caller, new AuditEntry("project.create", "project", id, $"{ns.FullPath}/{path}", ns.Id, id,
            new { visibility }), cancellationToken);
        // Created before the commit, so a project never exists without its repository; should the
        // commit fail, the directory is an orphan under an id that is never reused.
        await embedded.EnsureCreatedAsync(id, defaultBranch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var created = await projects.FindByIdAsync(id, caller.UserId, cancellationToken);
        return created!.ToResponse(Rules.Effective(created.AccessLevel, caller));
    }

    public async Task<ProjectResponse> GetAsync(Caller? caller, string namespacePath, string path, CancellationToken cancellationToken)
    {
        var (project, level) = await FindAsync(caller, namespacePath, path, ProjectAction.View, cancellationToken);
        return project.ToResponse(level);
    }

    /// <summary>The project's own row, once the gate allowed <paramref name="action"/> on it.</summary>
    private async Task<(ProjectRow Project, AccessLevel Level)> FindAsync(Caller? caller, string namespacePath, string path,
        ProjectAction action, CancellationToken cancellationToken)
    {
        var access = await gate.ProjectAsync(caller, namespacePath, path, action, cancellationToken);
        // Deleted in between: the same answer the gate gives for a project that does not exist.
        var project = await projects.FindByIdAsync(access.ProjectId, caller?.UserId, cancellationToken)
            ?? throw new NotFoundException($"Project '{Names.DecodePath(namespacePath)}/{path}' not found.");
        return (project, access.Level);
    }

    public async Task<Page<ProjectResponse>> ListAsync(Caller? caller, string? namespacePath, string? search, string? topic,
        PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await projects.ListVisibleAsync(caller?.UserId, caller?.IsAdmin ?? false, namespacePath,
            string.IsNullOrWhiteSpace(search) ? null : search.Trim(), string.IsNullOrWhiteSpace(topic) ? null : topic.Trim().ToLowerInvariant(),
            page, cancellationToken);
        return page.ToPage(rows, r => r.Id, r => r.ToResponse(Rules.Effective(r.AccessLevel, caller)));
    }

    public async Task<ProjectResponse> UpdateAsync(Caller caller, string namespacePath, string path, UpdateProjectRequest request,
        CancellationToken cancellationToken)
    {
        var (project, level) = await FindAsync(caller, namespacePath, path, ProjectAction.Manage, cancellationToken);
        var newPath = request.Path?.Trim() ?? project.Path;
        var visibility = request.Visibility?.Trim().ToLowerInvariant() ?? project.Visibility;
        var topics = request.Topics is null ? project.Topics : NormaliseTopics(request.Topics);
        var validator = new Validator();
        if (Names.PathError(newPath, topLevel: false) is { } pathError)
        {
            validator.Add("path", "path " + pathError);
        }
        validator.Check(Rules.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.");
        validator.Check(request.Name is null || request.Name.Trim().Length > 0, "name", "name must not be empty.");
        ValidateCommon(validator, request.Name, request.Description, topics, request.DefaultBranch);
        validator.ThrowIfAny();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ns = await NamespaceRepository.FindAsync(connection, transaction, project.NamespaceFullPath, null, cancellationToken, RowLock.Share);
        if (ns is { IsGroup: true } && Rules.Rank(visibility) > Rules.Rank(ns.Visibility))
        {
            throw new ValidationException("visibility", $"A project cannot be more visible than its group ({ns.Visibility}).");
        }
        try
        {
            await ProjectRepository.UpdateAsync(transaction, project.Id, newPath, request.Name?.Trim() ?? project.Name,
                request.Description?.Trim() ?? project.Description, visibility, topics,
                request.DefaultBranch?.Trim() ?? project.DefaultBranch, cancellationToken);
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "projects_namespace_path_key"))
        {
            throw new ConflictException("path", $"The project '{project.NamespaceFullPath}/{newPath}' already exists.");
        }
        var action = newPath != project.Path ? "project.rename" : "project.update";
        await audit.WriteAsync(transaction, caller, new AuditEntry(action, "project", project.Id, project.FullPath,
            project.NamespaceId, project.Id, request), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var defaultBranch = request.DefaultBranch?.Trim() ?? project.DefaultBranch;
        if (defaultBranch != project.DefaultBranch && project.GitBackend == EmbeddedGitBackend.KindName)
        {
            // HEAD is what `git clone` checks out; it follows the setting.
            await embedded.EnsureCreatedAsync(project.Id, defaultBranch, cancellationToken);
            await embedded.SetDefaultBranchAsync(project.Id, defaultBranch, cancellationToken);
        }
        var updated = await projects.FindByIdAsync(project.Id, caller.UserId, cancellationToken);
        return updated!.ToResponse(level);
    }

    public async Task DeleteAsync(Caller caller, string namespacePath, string path, CancellationToken cancellationToken)
    {
        var (project, _) = await FindAsync(caller, namespacePath, path, ProjectAction.Delete, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ProjectRepository.DeleteAsync(transaction, project.Id, cancellationToken);
        await audit.WriteAsync(transaction, caller, new AuditEntry("project.delete", "project", project.Id, project.FullPath,
            project.NamespaceId, project.Id), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // After the commit: a leftover directory is harmless, a project without one is not.
        backends.DeleteLocal(project.Id);
    }

    private static string[] NormaliseTopics(string?[]? topics) =>
        (topics ?? []).OfType<string>().Select(t => t.Trim().ToLowerInvariant()).Where(t => t.Length > 0).Distinct().ToArray();

    private static void ValidateCommon(Validator validator, string? name, string? description, string[] topics, string? defaultBranch)
    {
        validator.Text(name, "name", 255).Text(description, "description", 2000);
        validator.Check(topics.Length <= 20, "topics", "at most 20 topics.");
        validator.Check(topics.All(t => t.Length <= 50 && !t.Any(char.IsControl)), "topics",
            "each topic must be at most 50 characters, without control characters.");
        validator.Check(defaultBranch is null || (defaultBranch.Trim().Length is > 0 and <= 255 && !defaultBranch.Contains("..")
            && !defaultBranch.Any(c => char.IsWhiteSpace(c) || c is '~' or '^' or ':' or '\\' or '?' or '*' or '[')),
            "default_branch", "default_branch must be a valid Git branch name.");
    }
}
