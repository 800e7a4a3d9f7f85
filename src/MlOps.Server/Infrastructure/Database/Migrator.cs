using System.Reflection;
using DbUp;
using DbUp.Engine;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>Applies the forward-only SQL files in <c>migrations/</c> (embedded in this assembly).</summary>
public sealed class Migrator(NpgsqlDataSource dataSource, IOptions<DatabaseOptions> options, ILogger<Migrator> logger)
{
    // Any constant works; it only has to be the same in every server process.
    private const long MigrationLockKey = 0x4d4c4f7073_01;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // Two servers starting at once would both see an empty journal and race to create the same
        // tables. A session-level advisory lock held on a separate connection serialises them: the
        // second waits, then finds every script journaled and does nothing.
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", lockConnection))
        {
            take.Parameters.AddWithValue("key", MigrationLockKey);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var result = Build().PerformUpgrade();
            if (!result.Successful)
            {
                throw new InvalidOperationException(
                    $"Migration {result.ErrorScript?.Name} failed: {result.Error.Message}", result.Error);
            }
            foreach (var script in result.Scripts)
            {
                logger.LogInformation("Applied migration {Script}", script.Name);
            }
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", lockConnection);
            release.Parameters.AddWithValue("key", MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private UpgradeEngine Build() =>
        DeployChanges.To
            .PostgresqlDatabase(options.Value.ConnectionString)
            .WithScriptsEmbeddedInAssembly(Assembly.GetExecutingAssembly(), name => name.StartsWith("migrations.", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();
}

/// <summary>Runs migrations before Kestrel starts listening, so no request sees an old schema.</summary>
public sealed class MigrationHostedService(Migrator migrator, IOptions<DatabaseOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        options.Value.MigrateOnStart ? migrator.MigrateAsync(cancellationToken) : Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
