using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Features.Members;

public sealed record AddMemberRequest(string? Username, string? Role);

public sealed record UpdateMemberRequest(string? Role);

public sealed record MemberResponse(long UserId, string Username, string Name, string Role, DateTime CreatedAt);

public sealed class MemberRow
{
    public long UserId { get; init; }
    public string Username { get; init; } = "";
    public string Name { get; init; } = "";
    public int AccessLevel { get; init; }
    public DateTime CreatedAt { get; init; }

    public MemberResponse ToResponse() => new(UserId, Username, Name, ((AccessLevel)AccessLevel).ToRole(), CreatedAt);
}
