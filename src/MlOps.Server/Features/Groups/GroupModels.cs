using MlOps.Server.Namespaces;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Features.Groups;

public sealed record CreateGroupRequest(string? Path, string? Name, string? Parent, string? Description, string? Visibility);

public sealed record UpdateGroupRequest(string? Name, string? Description, string? Visibility);

public sealed record GroupResponse(long Id, string Path, string FullPath, string Name, string Description, string Visibility,
    string? ParentPath, DateTime CreatedAt, string? YourRole)
{
    public static GroupResponse From(NamespaceRow row, AccessLevel level) =>
        new(row.Id, row.Path, row.FullPath, row.Name, row.Description, row.Visibility, row.ParentFullPath, row.CreatedAt,
            level > AccessLevel.None ? level.ToRole() : null);
}
