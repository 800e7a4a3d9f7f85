using MlOps.Server.Features.Audit;
using MlOps.Server.Features.Members;
using MlOps.Server.Features.Namespaces;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Projects;

public sealed class ProjectHandler(NpgsqlDataSource dataSource, ProjectRepository projects, AuditLog audit,
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
        validator.Check(Access.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.");
        ValidateCommon(validator, request.Name, request.Description, topics, request.DefaultBranch);
        validator.ThrowIfAny();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ns = await NamespaceRepository.FindAsync(connection, transaction, namespacePath, caller.UserId, cancellationToken, RowLock.Share);
        var level = ns is null ? AccessLevel.None : Access.Effective(ns.AccessLevel, caller);
        if (ns is null || !Access.CanSee(ns.Visibility, level, caller))
        {
            throw new ValidationException("namespace", $"There is no namespace '{namespacePath}'.");
        }
        // Personal namespaces belong to their user alone; in groups, developers may create projects.
        Access.Require(level, ns.IsGroup ? AccessLevel.Developer : AccessLevel.Owner, caller, "create a project in this namespace");
        if (ns.IsGroup && Access.Rank(visibility) > Access.Rank(ns.Visibility))
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
        await audit.WriteAsync(transaction, caller, new AuditEntry("project.create", "project", id, $"{ns.FullPath}/{path}", ns.Id, id,
            new { visibility }), cancellationToken);
        // Created before the commit, so a project never exists without its repository; should the
        // commit fail, the directory is an orphan under an id that is never reused.
        await embedded.EnsureCreatedAsync(id, defaultBranch, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        var created = await projects.FindByIdAsync(id, caller.UserId, cancellationToken);
        return created!.ToResponse(Access.Effective(created.AccessLevel, caller));
    }

    /// <summary>The project if the caller may see it, with their level; 404 otherwise, so that a
    /// private project's existence is not revealed to outsiders.</summary>
    public async Task<(ProjectRow Project, AccessLevel Level)> FindVisibleAsync(Caller? caller, string namespacePath, string path,
        CancellationToken cancellationToken)
    {
        var ns = Names.DecodePath(namespacePath);
        var project = await projects.FindAsync(ns, path, caller?.UserId, cancellationToken);
        var level = project is null ? AccessLevel.None : Access.Effective(project.AccessLevel, caller);
        if (project is null || !Access.CanSee(project.Visibility, level, caller))
        {
            throw new NotFoundException($"Project '{ns}/{path}' not found.");
        }
        return (project, level);
    }

    public async Task<Page<ProjectResponse>> ListAsync(Caller? caller, string? namespacePath, string? search, string? topic,
        PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await projects.ListVisibleAsync(caller?.UserId, caller?.IsAdmin ?? false, namespacePath,
            string.IsNullOrWhiteSpace(search) ? null : search.Trim(), string.IsNullOrWhiteSpace(topic) ? null : topic.Trim().ToLowerInvariant(),
            page, cancellationToken);
        return page.ToPage(rows, r => r.Id, r => r.ToResponse(Access.Effective(r.AccessLevel, caller)));
    }

    public async Task<ProjectResponse> UpdateAsync(Caller caller, string namespacePath, string path, UpdateProjectRequest request,
        CancellationToken cancellationToken)
    {
        var (project, level) = await FindVisibleAsync(caller, namespacePath, path, cancellationToken);
        Access.Require(level, AccessLevel.Maintainer, caller, "change this project's settings");
        var newPath = request.Path?.Trim() ?? project.Path;
        var visibility = request.Visibility?.Trim().ToLowerInvariant() ?? project.Visibility;
        var topics = request.Topics is null ? project.Topics : NormaliseTopics(request.Topics);
        var validator = new Validator();
        if (Names.PathError(newPath, topLevel: false) is { } pathError)
        {
            validator.Add("path", "path " + pathError);
        }
        validator.Check(Access.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.");
        validator.Check(request.Name is null || request.Name.Trim().Length > 0, "name", "name must not be empty.");
        ValidateCommon(validator, request.Name, request.Description, topics, request.DefaultBranch);
        validator.ThrowIfAny();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var ns = await NamespaceRepository.FindAsync(connection, transaction, project.NamespaceFullPath, null, cancellationToken, RowLock.Share);
        if (ns is { IsGroup: true } && Access.Rank(visibility) > Access.Rank(ns.Visibility))
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
        var (project, level) = await FindVisibleAsync(caller, namespacePath, path, cancellationToken);
        Access.Require(level, AccessLevel.Owner, caller, "delete this project");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ProjectRepository.DeleteAsync(transaction, project.Id, cancellationToken);
        await audit.WriteAsync(transaction, caller, new AuditEntry("project.delete", "project", project.Id, project.FullPath,
            project.NamespaceId, project.Id), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // After the commit: a leftover directory is harmless, a project without one is not.
        backends.DeleteLocal(project.Id);
    }

    public static MembershipTarget MembershipOf(ProjectRow project) =>
        new(MembershipKind.Project, project.Id, project.FullPath, project.NamespaceId, project.Id);

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
