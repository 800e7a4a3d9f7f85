using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

public static class DatabaseSetup
{
    /// <summary>
    /// One <see cref="NpgsqlDataSource"/> for the process (singleton: it owns the connection pool),
    /// and the migrator that runs before the server takes requests.
    /// </summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        services.AddOptions<DatabaseOptions>()
            .BindConfiguration(DatabaseOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
            // Statements used again are prepared on each connection, and a connection going back
            // to the pool is reset without DISCARD ALL, which dropped every cached plan: the next
            // claim_job on that connection planned its fifteen inner statements again (3 ms of a
            // claim's 6). A connection string that sets Max Auto Prepare wins.
            var set = options.ConnectionString.Replace(" ", "");
            if (!set.Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase))
            {
                builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
                builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
            }
            // Nor is it reset at all: that is seven statements (RESET ALL, UNLISTEN *, ...) parsed and
            // run at each use of a pooled connection, a third of a claim's statements, and the server
            // keeps no session state on pooled connections (SET LOCAL and transaction-level advisory
            // locks end with their transaction; the migrator releases its session lock in a finally,
            // and a connection that fails to is broken; LISTEN has its own unpooled connection).
            if (!set.Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
            {
                builder.ConnectionStringBuilder.NoResetOnClose = true;
            }
            builder.UseLoggerFactory(sp.GetRequiredService<ILoggerFactory>());
            return builder.Build();
        });
        // Singleton: one outage state for the process, shared by every request.
        services.AddSingleton<DatabaseOutage>();
        // One LISTEN session for every channel the process follows; features subscribe to it.
        services.AddSingleton<NotificationHub>();
        services.AddHostedService(sp => sp.GetRequiredService<NotificationHub>());
        services.AddSingleton<Migrator>();
        services.AddHostedService<MigrationHostedService>();
        return services;
    }
}
