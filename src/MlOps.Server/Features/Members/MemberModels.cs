using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Features.Members;

public sealed record AddMemberRequest(string? Username, string? Role);

public sealed record UpdateMemberRequest(string? Role);

public sealed record MemberResponse(long UserId, string Username, string Name, string Role, DateTime CreatedAt);

public static class MemberRows
{
    public static MemberResponse ToResponse(this MemberRow row) =>
        new(row.UserId, row.Username, row.Name, ((AccessLevel)row.AccessLevel).ToRole(), row.CreatedAt);
}
