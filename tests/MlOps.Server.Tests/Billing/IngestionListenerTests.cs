using Dapper;

namespace MlOps.Server.Tests.Billing;

/// <summary>The server with its ingestion listener on, as in production.</summary>
public sealed class ListeningBillingServer : MlOpsServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?> { ["Usage:IngestionListener"] = "true" };
}

public sealed class IngestionListenerTests(ListeningBillingServer server) : IClassFixture<ListeningBillingServer>
{
    [Fact]
    public async Task FinalUsage_Notified_BookedWithoutAnExplicitDrain()
    {
        using var admin = server.Admin();
        var group = BillingServer.NewName("c");
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group }));
        var project = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p" }));
        await using var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString);
        await connection.OpenAsync();
        var projectId = project.GetProperty("id").GetInt64();
        var jobId = await connection.ExecuteScalarAsync<long>(
            """
            WITH run AS (
                INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by_name)
                SELECT p.id, p.namespace_id, 'train', 'refs/heads/main', repeat('b', 40), 'manual', 'admin' FROM projects p WHERE p.id = @projectId
                RETURNING id, project_id, client_id)
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, status, spec)
            SELECT id, project_id, client_id, 'fit', 'train', 'refs/heads/main', repeat('b', 40), 'success', '{}' FROM run RETURNING id
            """, new { projectId });

        await connection.ExecuteAsync(
            "INSERT INTO job_usage (job_id, attempt, cpu_core_seconds, final, finished_at) VALUES (@jobId, 1, 77, true, now())", new { jobId });

        // Waits for the booking itself (bounded), not for a time.
        decimal? booked = null;
        for (var i = 0; i < 300 && booked is null; i++)
        {
            booked = await connection.ExecuteScalarAsync<decimal?>(
                "SELECT quantity FROM usage_entries WHERE job_id = @jobId AND resource = 'cpu'", new { jobId });
            if (booked is null)
            {
                await Task.Delay(100);
            }
        }
        Assert.Equal(77m, booked);
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM usage_ingest_queue"));
    }
}
