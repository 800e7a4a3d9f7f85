using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Users;

public sealed class UserHandler(NpgsqlDataSource dataSource, UserRepository users, AuditLog audit)
{
    public const int MinPasswordLength = 12;

    public async Task<UserResponse> CreateAsync(Caller admin, CreateUserRequest request, CancellationToken cancellationToken)
    {
        var username = request.Username?.Trim() ?? "";
        var email = request.Email?.Trim() ?? "";
        var name = request.Name?.Trim() ?? "";
        var validator = new Validator();
        if (Names.PathError(username, topLevel: true) is { } usernameError)
        {
            validator.Add("username", "username " + usernameError);
        }
        validator.Check(Names.IsEmail(email), "email", "email must be an email address.");
        validator.Text(name, "name", 255).Text(email, "email", 254);
        validator.Check(request.Password is null || request.Password.Length >= MinPasswordLength, "password",
            $"password must be at least {MinPasswordLength} characters.");
        validator.Check(request.Password is null || request.Password.Length <= 1024, "password", "password must be at most 1024 characters.");
        validator.ThrowIfAny();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        UserRow user;
        try
        {
            user = await users.InsertAsync(transaction, username, email, name,
                request.Password is null ? null : PasswordHasher.Hash(request.Password), request.IsAdmin ?? false, cancellationToken);
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "users_username_key") || UniqueViolation.Is(e, "namespaces_full_path_key"))
        {
            throw new ConflictException("username", $"The name '{username}' is already taken by a user or group.");
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "users_email_key"))
        {
            throw new ConflictException("email", "Another user already has that email address.");
        }
        await audit.WriteAsync(transaction, admin,
            new AuditEntry("user.create", "user", user.Id, user.Username, Details: new { user.Email, user.IsAdmin }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return user.ToResponse(full: true);
    }

    public async Task<UserResponse> GetAsync(Caller caller, string username, CancellationToken cancellationToken)
    {
        var user = await users.FindAsync(username, cancellationToken)
            ?? throw new NotFoundException($"User '{username}' not found.");
        return user.ToResponse(full: caller.IsAdmin || caller.UserId == user.Id);
    }

    public async Task<Page<UserResponse>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        var rows = await users.ListAsync(page, cancellationToken);
        return page.ToPage(rows, r => r.Id, r => r.ToResponse(full: true));
    }
}
