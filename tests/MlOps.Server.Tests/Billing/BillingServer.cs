using Dapper;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.Usage;
using Npgsql;

namespace MlOps.Server.Tests.Billing;

/// <summary>
/// The server with helpers that write jobs and their usage as the runner does (job_usage rows
/// updated, GPU rows written, then marked final), and book them as the ingestion worker does.
/// Each test arranges its own clients, so tests pass in any order.
/// </summary>
public sealed class BillingServer : MlOpsServer
{
    public static string NewName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..10];

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A private group (a client) with a project per name; the owner and developer get roles when given.</summary>
    public async Task<Client> ArrangeClientAsync(string[]? projects = null, string? owner = null, string? developer = null)
    {
        var group = NewName("c");
        using var admin = Admin();
        await Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group, visibility = "private" }));
        foreach (var (user, role) in new[] { (owner, "owner"), (developer, "developer") })
        {
            if (user is not null)
            {
                await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = user, role }));
            }
        }
        var ids = new Dictionary<string, long>();
        foreach (var project in projects ?? ["p"])
        {
            var created = await Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = project }));
            ids[project] = created.GetProperty("id").GetInt64();
        }
        await using var connection = await OpenAsync();
        var clientId = await connection.ExecuteScalarAsync<long>("SELECT id FROM namespaces WHERE full_path = @group", new { group });
        return new Client(group, clientId, ids);
    }

    /// <summary>A job of a fresh run, in the given state (the claim query and the runner would have put it there).</summary>
    public async Task<long> AddJobAsync(Client client, string project, string pipeline = "train", string status = "success", int gpus = 0)
    {
        await using var connection = await OpenAsync();
        var projectId = client.Projects[project];
        var runId = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by_name, status)
            VALUES (@projectId, @clientId, @pipeline, 'refs/heads/main', repeat('a', 40), 'manual', 'admin', 'running') RETURNING id
            """, new { projectId, clientId = client.Id, pipeline });
        return await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, status, spec, gpus, triggered_by)
            VALUES (@runId, @projectId, @clientId, 'fit', @pipeline, 'refs/heads/main', repeat('a', 40), @status, '{}', @gpus,
                    (SELECT id FROM users WHERE username = 'admin')) RETURNING id
            """, new { runId, projectId, clientId = client.Id, pipeline, status, gpus });
    }

    /// <summary>
    /// Reports an attempt's usage as the runner does: the totals, the GPU rows, and final in the
    /// same transaction (the contract: GPU rows are written before or with final = true).
    /// </summary>
    public async Task ReportAsync(long jobId, DateTimeOffset finishedAt, double cpuCoreSeconds = 0, double memoryGbSeconds = 0,
        (string Model, double Seconds)[]? gpus = null, int attempt = 1, bool final = true)
    {
        finishedAt = finishedAt.ToUniversalTime();
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync(
            """
            INSERT INTO job_usage (job_id, attempt, wall_seconds, cpu_core_seconds, memory_gb_seconds, memory_peak_bytes, started_at, finished_at)
            VALUES (@jobId, @attempt, 60, @cpuCoreSeconds, @memoryGbSeconds, 1000000, @finishedAt - interval '1 minute', @finishedAt)
            ON CONFLICT (job_id, attempt) DO UPDATE SET cpu_core_seconds = excluded.cpu_core_seconds,
                memory_gb_seconds = excluded.memory_gb_seconds, finished_at = excluded.finished_at, reported_at = now()
            """, new { jobId, attempt, cpuCoreSeconds, memoryGbSeconds, finishedAt }, transaction);
        var index = 0;
        foreach (var (model, seconds) in gpus ?? [])
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO job_gpu_usage (job_id, attempt, gpu_uuid, gpu_model, gpu_seconds, avg_utilization, peak_memory_bytes)
                VALUES (@jobId, @attempt, @uuid, @model, @seconds, 0.9, 1000)
                ON CONFLICT (job_id, attempt, gpu_uuid) DO UPDATE SET gpu_seconds = excluded.gpu_seconds
                """, new { jobId, attempt, uuid = $"GPU-{index++}", model, seconds }, transaction);
        }
        if (final)
        {
            await connection.ExecuteAsync("UPDATE job_usage SET final = true WHERE job_id = @jobId AND attempt = @attempt",
                new { jobId, attempt }, transaction);
        }
        await transaction.CommitAsync();
    }

    public Task<int> IngestAsync() => Services.GetRequiredService<UsageIngestor>().DrainAsync(CancellationToken.None);

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await OpenAsync();
        return await connection.ExecuteScalarAsync<T>(sql, parameters)
            ?? throw new InvalidOperationException($"No value from: {sql}");
    }

    public async Task<JsonElement> AddPriceAsync(string resource, decimal unitPrice, string effectiveFrom, string? gpuModel = null,
        string? client = null)
    {
        using var admin = Admin();
        return await Ensure(await admin.PostAsJsonAsync("/api/v1/admin/prices",
            new { resource, gpu_model = gpuModel, unit_price = unitPrice, effective_from = effectiveFrom, client }));
    }

    public async Task<JsonElement> StatementAsync(string client, string query)
    {
        using var admin = Admin();
        return await Ensure(await admin.GetAsync($"/api/v1/clients/{client}/statement?{query}"));
    }
}

public sealed record Client(string Path, long Id, IReadOnlyDictionary<string, long> Projects);
