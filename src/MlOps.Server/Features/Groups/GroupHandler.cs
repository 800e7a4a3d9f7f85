using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Features.Groups;

public sealed class GroupHandler(NpgsqlDataSource dataSource, AccessGate gate, GroupRepository groups, NamespaceRepository namespaces,
    AuditLog audit)
{
    public async Task<GroupResponse> CreateAsync(Caller caller, CreateGroupRequest request, CancellationToken cancellationToken)
    {
        var path = request.Path?.Trim() ?? "";
        var parentPath = string.IsNullOrWhiteSpace(request.Parent) ? null : Names.DecodePath(request.Parent);
        var visibility = request.Visibility?.Trim().ToLowerInvariant() ?? "private";
        var validator = new Validator();
        if (Names.PathError(path, topLevel: parentPath is null) is { } pathError)
        {
            validator.Add("path", "path " + pathError);
        }
        validator.Check(Rules.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.");
        validator.Text(request.Name, "name", 255).Text(request.Description, "description", 2000);
        validator.ThrowIfAny();

        if (parentPath is not null)
        {
            var decision = await gate.DecideNamespaceAsync(caller, parentPath, NamespaceAction.Manage, cancellationToken);
            if (decision.Target is not { IsGroup: true } found)
            {
                throw new ValidationException("parent", $"There is no group '{parentPath}'.");
            }
            if (found.ParentId is not null)
            {
                throw new ValidationException("parent", "Groups nest one level deep: the parent must be a top-level group.");
            }
            AccessGate.Enforce(decision, caller, "create a subgroup here", $"There is no group '{parentPath}'.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        NamespaceRow? parent = null;
        if (parentPath is not null)
        {
            // Locked, so the parent cannot become less visible than the new subgroup meanwhile.
            parent = await NamespaceRepository.FindAsync(connection, transaction, parentPath, caller.UserId, cancellationToken, RowLock.Share)
                ?? throw new ValidationException("parent", $"There is no group '{parentPath}'.");
            if (Rules.Rank(visibility) > Rules.Rank(parent.Visibility))
            {
                throw new ValidationException("visibility", $"A subgroup cannot be more visible than its parent ({parent.Visibility}).");
            }
        }

        var fullPath = parent is null ? path : $"{parent.FullPath}/{path}";
        NamespaceRow group;
        try
        {
            group = await groups.InsertAsync(transaction, path, fullPath, string.IsNullOrWhiteSpace(request.Name) ? path : request.Name.Trim(),
                request.Description?.Trim() ?? "", visibility, parent?.Id, cancellationToken);
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "namespaces_full_path_key"))
        {
            throw new ConflictException("path", $"The path '{fullPath}' is already taken by a user or group.");
        }
        // Whoever creates a group owns it (GitLab does the same), so it never starts without an owner.
        var target = new MembershipTarget(MembershipKind.Group, group.Id, group.FullPath, group.Id, null);
        await MemberRepository.UpsertAsync(transaction, target, caller.UserId, (int)AccessLevel.Owner, cancellationToken);
        await audit.WriteAsync(transaction, caller, new AuditEntry("group.create", "group", group.Id, group.FullPath, group.Id,
            Details: new { group.Visibility }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return GroupResponse.From(group, AccessLevel.Owner);
    }

    /// <summary>The group's own row, once the gate allowed <paramref name="action"/> on it.</summary>
    private async Task<(NamespaceRow Group, AccessLevel Level)> FindAsync(Caller? caller, string fullPath, NamespaceAction action,
        CancellationToken cancellationToken)
    {
        var access = await gate.GroupAsync(caller, fullPath, action, cancellationToken);
        // Deleted in between: the same answer the gate gives for a group that does not exist.
        var group = await namespaces.FindAsync(access.FullPath, caller?.UserId, cancellationToken)
            ?? throw new NotFoundException($"Group '{Names.DecodePath(fullPath)}' not found.");
        return (group, access.Level);
    }

    public async Task<GroupResponse> GetAsync(Caller? caller, string fullPath, CancellationToken cancellationToken)
    {
        var (group, level) = await FindAsync(caller, fullPath, NamespaceAction.Read, cancellationToken);
        return GroupResponse.From(group, level);
    }

    public async Task<Page<GroupResponse>> ListAsync(Caller? caller, PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await groups.ListVisibleAsync(caller?.UserId, caller?.IsAdmin ?? false, page, cancellationToken);
        return page.ToPage(rows, r => r.Id, r => GroupResponse.From(r, Rules.Effective(r.AccessLevel, caller)));
    }

    public async Task<GroupResponse> UpdateAsync(Caller caller, string fullPath, UpdateGroupRequest request, CancellationToken cancellationToken)
    {
        var (group, level) = await FindAsync(caller, fullPath, NamespaceAction.Own, cancellationToken);
        var visibility = request.Visibility?.Trim().ToLowerInvariant() ?? group.Visibility;
        new Validator()
            .Check(Rules.Rank(visibility) >= 0, "visibility", "visibility must be private, internal or public.")
            .Check(request.Name is null || request.Name.Trim().Length is > 0 and <= 255, "name", "name must be 1 to 255 characters.")
            .Text(request.Name, "name", 255)
            .Text(request.Description, "description", 2000)
            .ThrowIfAny();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Locks out concurrent project and subgroup changes until the children are checked below.
        await NamespaceRepository.FindAsync(connection, transaction, group.FullPath, null, cancellationToken, RowLock.Update);
        if (group.ParentFullPath is { } parentPath)
        {
            var parent = await NamespaceRepository.FindAsync(connection, transaction, parentPath, null, cancellationToken, RowLock.Share);
            if (Rules.Rank(visibility) > Rules.Rank(parent!.Visibility))
            {
                throw new ValidationException("visibility", $"A subgroup cannot be more visible than its parent ({parent.Visibility}).");
            }
        }
        if (await NamespaceRepository.WidestChildVisibilityAsync(transaction, group.Id, cancellationToken) is { } widest
            && Rules.Rank(widest) > Rules.Rank(visibility))
        {
            throw new ValidationException("visibility", $"A subgroup or project in this group is {widest}; make it less visible first.");
        }
        var updated = await groups.UpdateAsync(transaction, group.Id, request.Name?.Trim() ?? group.Name,
            request.Description?.Trim() ?? group.Description, visibility, cancellationToken);
        await audit.WriteAsync(transaction, caller, new AuditEntry("group.update", "group", group.Id, group.FullPath, group.Id,
            Details: new { request.Name, request.Description, request.Visibility }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return GroupResponse.From(updated, level);
    }

    public async Task DeleteAsync(Caller caller, string fullPath, CancellationToken cancellationToken)
    {
        var (group, _) = await FindAsync(caller, fullPath, NamespaceAction.Own, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await groups.DeleteAsync(transaction, group.Id, cancellationToken);
        await audit.WriteAsync(transaction, caller, new AuditEntry("group.delete", "group", group.Id, group.FullPath, group.Id),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}
