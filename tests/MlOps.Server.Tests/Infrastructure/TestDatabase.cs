using Npgsql;

namespace MlOps.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway database on the PostgreSQL cluster that scripts/test.sh starts (its address arrives
/// in MLOPS_TEST_DATABASE_URL), so tests run against the real thing and never share data.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Variable = "MLOPS_TEST_DATABASE_URL";

    private TestDatabase(string name, string connectionString)
    {
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException(
                $"{Variable} is not set. Run the tests with scripts/test.sh, which starts a PostgreSQL cluster, " +
                $"or point {Variable} at a server where this user may create databases.");

    public static async Task<TestDatabase> CreateAsync()
    {
        var name = "mlops_test_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new NpgsqlConnection(ServerConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name, Pooling = true };
        return new TestDatabase(name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
