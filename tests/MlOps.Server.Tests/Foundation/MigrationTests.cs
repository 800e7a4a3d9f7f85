using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Infrastructure.Database;
using Npgsql;

namespace MlOps.Server.Tests.Foundation;

public sealed class MigrationTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    [Fact]
    public async Task Migrate_TwoServersAtOnce_EachScriptAppliedOnce()
    {
        _ = server.Services; // the fixture's server has migrated its database at start-up
        var migrator = server.Services.GetRequiredService<Migrator>();

        await Task.WhenAll(migrator.MigrateAsync(CancellationToken.None), migrator.MigrateAsync(CancellationToken.None),
            migrator.MigrateAsync(CancellationToken.None));

        await using var connection = new NpgsqlConnection(server.Database.ConnectionString);
        var journal = (await connection.QueryAsync<string>("SELECT scriptname FROM schemaversions")).ToList();
        Assert.Equal(journal.Distinct().Count(), journal.Count);
        Assert.Contains(journal, s => s.EndsWith("accounts.sql", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Migrate_FreshDatabaseFromManyStarters_Succeeds()
    {
        await using var database = await TestDatabase.CreateAsync();
        await using var factory = new FreshServer(database.ConnectionString);
        var migrator = factory.Services.GetRequiredService<Migrator>();
        await using (var reset = new NpgsqlConnection(database.ConnectionString))
        {
            await reset.ExecuteAsync("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        }

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => migrator.MigrateAsync(CancellationToken.None)));

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users"));
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task Bootstrap_SecondStart_KeepsOneAdminAndTheConfiguredToken()
    {
        await using var database = await TestDatabase.CreateAsync();
        for (var start = 0; start < 2; start++)
        {
            await using var factory = new FreshServer(database.ConnectionString);
            using var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", MlOpsServer.AdminToken);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/user")).StatusCode);
        }

        await using var connection = new NpgsqlConnection(database.ConnectionString);
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM users WHERE is_admin"));
        Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM personal_access_tokens"));
        NpgsqlConnection.ClearAllPools();
    }

    [Fact]
    public async Task Bootstrap_ConfiguredTokenChanged_OldOneRevoked()
    {
        await using var database = await TestDatabase.CreateAsync();
        const string second = "a-rotated-admin-token-0123456789";
        await using (var first = new FreshServer(database.ConnectionString))
        {
            _ = first.Services;
        }

        await using var rotated = new FreshServer(database.ConnectionString, second);
        using var oldClient = rotated.CreateClient();
        oldClient.DefaultRequestHeaders.Authorization = new("Bearer", MlOpsServer.AdminToken);
        using var newClient = rotated.CreateClient();
        newClient.DefaultRequestHeaders.Authorization = new("Bearer", second);

        Assert.Equal(HttpStatusCode.Unauthorized, (await oldClient.GetAsync("/api/v1/user")).StatusCode);
        var tokens = await MlOpsServer.Ensure(await newClient.GetAsync("/api/v1/users/admin/tokens"));
        Assert.All(tokens.GetProperty("items").EnumerateArray(), t => Assert.Equal("(env)", t.GetProperty("token_prefix").GetString()));
        NpgsqlConnection.ClearAllPools();
    }

    private sealed class FreshServer(string connectionString, string adminToken = MlOpsServer.AdminToken) : Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder) =>
            builder.UseEnvironment("Testing").ConfigureAppConfiguration(c => c.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Database:ConnectionString"] = connectionString,
                ["Bootstrap:AdminToken"] = adminToken,
                ["Storage:DataDir"] = Path.Combine(Path.GetTempPath(), "mlops-fresh-" + Guid.NewGuid().ToString("N")[..8]),
                ["Hangfire:ServerEnabled"] = "false",
            }));
    }
}
