using Dapper;
using Npgsql;

namespace MlOps.Server.Namespaces;

/// <summary>A user as other features name them: by username, for memberships and tokens.</summary>
public sealed record UserRef(long Id, string Username, string Name, bool IsAdmin);

/// <summary>Resolves usernames to users, so that features need not read the Users feature's table.</summary>
public sealed class UserDirectory(NpgsqlDataSource dataSource)
{
    public async Task<UserRef?> FindAsync(string username, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<UserRef>(new CommandDefinition(
            "SELECT id, username, name, is_admin FROM users WHERE lower(username) = lower(@username)",
            new { username }, cancellationToken: cancellationToken));
    }
}
