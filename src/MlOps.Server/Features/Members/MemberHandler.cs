using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Features.Members;

/// <summary>
/// Membership rules for groups and projects alike: maintainers manage members up to their own
/// role, only owners grant or take away ownership, and a group always keeps one owner.
/// </summary>
public sealed class MemberHandler(NpgsqlDataSource dataSource, MemberRepository members, UserDirectory users, AuditLog audit)
{
    public async Task<Page<MemberResponse>> ListAsync(MembershipTarget target, PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await members.ListAsync(target, page, cancellationToken);
        return page.ToPage(rows, r => r.UserId, r => r.ToResponse());
    }

    public async Task<MemberResponse> AddAsync(Caller caller, AccessLevel callerLevel, MembershipTarget target,
        AddMemberRequest request, CancellationToken cancellationToken)
    {
        AccessGate.Require(callerLevel, AccessLevel.Maintainer, caller, $"manage the members of this {target.TypeName}");
        var level = ParseRole(request.Role);
        var username = request.Username?.Trim() ?? "";
        if (username.Length == 0)
        {
            throw new ValidationException("username", "username is required.");
        }
        RequireOwnerToTouchOwners(callerLevel, level);
        var user = await users.FindAsync(username, cancellationToken)
            ?? throw new ValidationException("username", $"There is no user '{username}'.");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await MemberRepository.LockTargetAsync(transaction, target, cancellationToken);
        var row = await MemberRepository.InsertAsync(transaction, target, user.Id, (int)level, cancellationToken)
            ?? throw new ConflictException("username", $"'{user.Username}' is already a member; change their role instead.");
        await WriteAuditAsync(transaction, caller, target, "member.add", user.Username, level, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return row.ToResponse();
    }

    public async Task<MemberResponse> UpdateAsync(Caller caller, AccessLevel callerLevel, MembershipTarget target, string username,
        UpdateMemberRequest request, CancellationToken cancellationToken)
    {
        AccessGate.Require(callerLevel, AccessLevel.Maintainer, caller, $"manage the members of this {target.TypeName}");
        var level = ParseRole(request.Role);
        var user = await users.FindAsync(username, cancellationToken)
            ?? throw new NotFoundException($"'{username}' is not a member of this {target.TypeName}.");

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await MemberRepository.LockTargetAsync(transaction, target, cancellationToken);
        var current = await MemberRepository.LevelAsync(transaction, target, user.Id, cancellationToken)
            ?? throw new NotFoundException($"'{username}' is not a member of this {target.TypeName}.");
        RequireOwnerToTouchOwners(callerLevel, level);
        RequireOwnerToTouchOwners(callerLevel, (AccessLevel)current);
        if (current == (int)AccessLevel.Owner && level != AccessLevel.Owner)
        {
            await RequireAnotherOwnerAsync(transaction, target, cancellationToken);
        }
        var row = await MemberRepository.UpsertAsync(transaction, target, user.Id, (int)level, cancellationToken);
        await WriteAuditAsync(transaction, caller, target, "member.update", user.Username, level, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return row.ToResponse();
    }

    public async Task RemoveAsync(Caller caller, AccessLevel callerLevel, MembershipTarget target, string username,
        CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(username, cancellationToken);
        var leaving = user?.Id == caller.UserId;
        if (!leaving)
        {
            AccessGate.Require(callerLevel, AccessLevel.Maintainer, caller, $"manage the members of this {target.TypeName}");
        }
        if (user is null)
        {
            throw new NotFoundException($"'{username}' is not a member of this {target.TypeName}.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await MemberRepository.LockTargetAsync(transaction, target, cancellationToken);
        var current = await MemberRepository.LevelAsync(transaction, target, user.Id, cancellationToken)
            ?? throw new NotFoundException($"'{username}' is not a member of this {target.TypeName}.");
        if (!leaving)
        {
            RequireOwnerToTouchOwners(callerLevel, (AccessLevel)current);
        }
        if (current == (int)AccessLevel.Owner)
        {
            await RequireAnotherOwnerAsync(transaction, target, cancellationToken);
        }
        await MemberRepository.DeleteAsync(transaction, target, user.Id, cancellationToken);
        await WriteAuditAsync(transaction, caller, target, "member.remove", user.Username, null, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    private static AccessLevel ParseRole(string? role) =>
        AccessLevels.TryParseRole(role, out var level)
            ? level
            : throw new ValidationException("role", "role must be one of: guest, reporter, developer, maintainer, owner.");

    private static void RequireOwnerToTouchOwners(AccessLevel callerLevel, AccessLevel level)
    {
        if (level == AccessLevel.Owner && callerLevel < AccessLevel.Owner)
        {
            throw new ForbiddenException("Only an owner may grant or take away the owner role.");
        }
    }

    private static async Task RequireAnotherOwnerAsync(NpgsqlTransaction transaction, MembershipTarget target, CancellationToken cancellationToken)
    {
        // A project is owned through its namespace too; only a group can be left without an owner.
        if (target.Kind == MembershipKind.Group && await MemberRepository.CountOwnersAsync(transaction, target, cancellationToken) <= 1)
        {
            throw new ConflictException("role", "A group must keep at least one owner; make someone else owner first.");
        }
    }

    private Task WriteAuditAsync(NpgsqlTransaction transaction, Caller caller, MembershipTarget target, string action,
        string username, AccessLevel? level, CancellationToken cancellationToken) =>
        audit.WriteAsync(transaction, caller, new AuditEntry(action, target.TypeName, target.Id, target.Path,
            target.NamespaceId, target.ProjectId, new { username, role = level?.ToRole() }), cancellationToken);
}
