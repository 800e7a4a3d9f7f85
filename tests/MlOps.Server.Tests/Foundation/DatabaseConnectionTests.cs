using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MlOps.Server.Tests.Foundation;

/// <summary>
/// The connection pool's defaults (docs/operations.md, "Database connections"): statements used
/// twice are prepared, and a connection going back to the pool is not reset; a connection string
/// that sets either keeps its own value.
/// </summary>
public sealed class DatabaseConnectionTests
{
    [Fact]
    public async Task DefaultConnectionString_PoolPreparesStatementsAndSkipsTheReset()
    {
        var settings = await PoolSettingsAsync(extra: "");

        Assert.Equal(64, settings.MaxAutoPrepare);
        Assert.Equal(2, settings.AutoPrepareMinUsages);
        Assert.True(settings.NoResetOnClose);
    }

    [Fact]
    public async Task ConnectionStringSettingBoth_KeepsItsOwnValues()
    {
        var settings = await PoolSettingsAsync(extra: ";Max Auto Prepare=0;No Reset On Close=false");

        Assert.Equal(0, settings.MaxAutoPrepare);
        Assert.False(settings.NoResetOnClose);
    }

    /// <summary>The settings of the pool a server builds from its test database's connection string plus <paramref name="extra"/>.</summary>
    private static async Task<NpgsqlConnectionStringBuilder> PoolSettingsAsync(string extra)
    {
        IAsyncLifetime server = new ConnectionStringServer(extra);
        await server.InitializeAsync();
        try
        {
            return new NpgsqlConnectionStringBuilder(((MlOpsServer)server).Services.GetRequiredService<NpgsqlDataSource>().ConnectionString);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private sealed class ConnectionStringServer(string extra) : MlOpsServer
    {
        protected override IDictionary<string, string?> ExtraSettings =>
            new Dictionary<string, string?> { ["Database:ConnectionString"] = Database.ConnectionString + extra };
    }
}
