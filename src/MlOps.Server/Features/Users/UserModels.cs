namespace MlOps.Server.Features.Users;

public sealed record CreateUserRequest(string? Username, string? Email, string? Name, string? Password, bool? IsAdmin);

/// <summary>What anyone signed in may see of a user; email and admin flag only for self and admins.</summary>
public sealed record UserResponse(long Id, string Username, string Name, string State, DateTime CreatedAt,
    string? Email = null, bool? IsAdmin = null);

public sealed class UserRow
{
    public long Id { get; init; }
    public string Username { get; init; } = "";
    public string Email { get; init; } = "";
    public string Name { get; init; } = "";
    public bool IsAdmin { get; init; }
    public string State { get; init; } = "";
    public DateTime CreatedAt { get; init; }

    public UserResponse ToResponse(bool full) => full
        ? new UserResponse(Id, Username, Name, State, CreatedAt, Email, IsAdmin)
        : new UserResponse(Id, Username, Name, State, CreatedAt);
}
