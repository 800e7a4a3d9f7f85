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
