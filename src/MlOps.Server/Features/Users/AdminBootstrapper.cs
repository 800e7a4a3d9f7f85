using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.Auth;
using Npgsql;

namespace MlOps.Server.Features.Users;

public sealed class BootstrapOptions
{
    public const string Section = "Bootstrap";

    /// <summary>`MLOPS_ADMIN_TOKEN`: the bootstrap admin's token, so scripts start from a known state.</summary>
    public string? AdminToken { get; set; }

    public string AdminEmail { get; set; } = "admin@localhost";
}

/// <summary>
/// On the first start, creates the `admin` user. Its token comes from configuration, or is made
/// up and printed once to the console (never to the log, which may be shipped elsewhere).
/// </summary>
public sealed class AdminBootstrapper(NpgsqlDataSource dataSource, UserRepository users, AuditLog audit,
    IOptions<BootstrapOptions> options, ILogger<AdminBootstrapper> logger) : IHostedService
{
    public const string AdminUsername = "admin";
    private const string ConfiguredTokenName = "bootstrap (MLOPS_ADMIN_TOKEN)";
    private const long BootstrapLockKey = 0x4d4c4f7073_02;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.AdminToken;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Two replicas starting together must not both create the admin.
        await UserRepository.LockAsync(transaction, BootstrapLockKey, cancellationToken);

        var adminId = await UserRepository.FindIdAsync(transaction, AdminUsername, cancellationToken);
        string? printed = null;
        if (adminId is null)
        {
            var admin = await users.InsertAsync(transaction, AdminUsername, options.Value.AdminEmail, "Administrator", null, true,
                cancellationToken);
            adminId = admin.Id;
            await audit.WriteAsync(transaction, null, new AuditEntry("user.create", "user", admin.Id, AdminUsername,
                Details: new { bootstrap = true }), cancellationToken);
            if (configured is null)
            {
                printed = TokenHasher.NewPersonalToken();
                await PersonalTokens.InsertAsync(transaction, admin.Id, "bootstrap", printed, Scopes.All, null, cancellationToken);
            }
            logger.LogInformation("Created the bootstrap administrator {Username}", AdminUsername);
        }
        if (configured is not null)
        {
            // A changed MLOPS_ADMIN_TOKEN is a rotation: the one it replaces stops working.
            var revoked = await PersonalTokens.RevokeOthersNamedAsync(transaction, adminId.Value, ConfiguredTokenName, configured,
                cancellationToken);
            if (revoked > 0)
            {
                logger.LogInformation("Revoked {Count} earlier configured bootstrap token(s)", revoked);
            }
            if (!await PersonalTokens.ExistsAsync(transaction, configured, cancellationToken))
            {
                // The operator chose this token: showing its first characters would give away part of it.
                await PersonalTokens.InsertAsync(transaction, adminId.Value, ConfiguredTokenName, configured, Scopes.All, null,
                    cancellationToken, displayPrefix: "(env)");
                logger.LogInformation("Registered the configured bootstrap token for {Username}", AdminUsername);
            }
        }
        await transaction.CommitAsync(cancellationToken);

        if (printed is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"  Bootstrap administrator: {AdminUsername}");
            Console.WriteLine($"  Token (shown once, store it now): {printed}");
            Console.WriteLine();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
