using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using MlOps.Contracts.Runner;
using MlOps.Pipelines.Compilation;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>
/// The server on a real port with short leases and long polls, so that lapsed runners are found in
/// seconds. Until runs are created from pushes and the manual-run API, tests insert a run and its
/// jobs directly (with a spec serialized from the real compiled <see cref="Job"/> record) and call
/// advance_run, as the runs feature does.
/// </summary>
public class RunnerServer : GitServer
{
    public const string RegistrationToken = "runner-jobs-registration-token-0123";

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Runners:RegistrationToken"] = RegistrationToken,
        ["RunnerJobs:LeaseSeconds"] = "3",
        ["RunnerJobs:LongPollSeconds"] = "2",
        ["RunnerJobs:ReapIntervalSeconds"] = "0.5",
    };

    public async Task<(long Id, string Token)> RegisterRunnerAsync(string? name = null)
    {
        using var http = Anonymous();
        var body = await Ensure(await http.PostAsJsonAsync("/api/v1/runner/register",
            new { registration_token = RegistrationToken, name = name ?? "r-" + Guid.NewGuid().ToString("N")[..8] }));
        return (body.GetProperty("id").GetInt64(), body.GetProperty("token").GetString()!);
    }

    /// <summary>A compiled job as the pipeline compiler makes it: an inline step (`/bin/sh -c script`) by default.</summary>
    public static Job InlineJob(string name, string script, string image = "mlops-test/busybox:1", IReadOnlyList<string>? needs = null,
        IReadOnlyList<JobOutput>? outputs = null, IReadOnlyList<JobInput>? inputs = null, IReadOnlyList<string>? secrets = null,
        int gpus = 0, string? gpuModel = null, int timeoutSeconds = 600, bool checkout = false,
        IReadOnlyDictionary<string, string>? env = null) =>
        new(name, 1, image, null, checkout, ["/bin/sh", "-c", script], env ?? new Dictionary<string, string> { ["MLOPS_STEP"] = name },
            secrets ?? [], inputs ?? [], outputs ?? [], new ResourceRequest(gpus, gpuModel, 1, 0), timeoutSeconds, needs ?? [],
            new Dictionary<string, object>(), "sha256:" + Guid.NewGuid().ToString("N"), true, "client");

    /// <summary>Inserts a run of <paramref name="repository"/> with <paramref name="jobs"/> and advances it; answers the job ids by name.</summary>
    public async Task<(long RunId, Dictionary<string, long> Jobs)> SeedRunAsync(string repository, IReadOnlyList<Job> jobs,
        string commitSha = "0000000000000000000000000000000000000000", IReadOnlyList<string>? tags = null, int maxAttempts = 3,
        string network = "none")
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var slash = repository.LastIndexOf('/');
        var project = await connection.QuerySingleAsync<(long Id, long ClientId)>(
            """
            SELECT p.id, COALESCE(n.parent_id, n.id) FROM projects p JOIN namespaces n ON n.id = p.namespace_id
            WHERE n.full_path = @ns AND p.path = @path
            """, new { ns = repository[..slash], path = repository[(slash + 1)..] }, transaction);
        var admin = await connection.ExecuteScalarAsync<long>("SELECT id FROM users WHERE username = 'admin'", transaction: transaction);
        var runId = await connection.ExecuteScalarAsync<long>(
            """
            INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by, triggered_by_name)
            VALUES (@Id, @ClientId, 'train', 'main', @commitSha, 'manual', @admin, 'admin') RETURNING id
            """, new { project.Id, project.ClientId, commitSha, admin }, transaction);
        var ids = new Dictionary<string, long>();
        foreach (var job in jobs)
        {
            var spec = JsonSerializer.SerializeToNode(job, StoredJson.Options)!.AsObject();
            spec["network"] = network;
            ids[job.Name] = await connection.ExecuteScalarAsync<long>(
                """
                INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, triggered_by, needs, spec, tags, gpus,
                                  gpu_model, cpus, memory_bytes, timeout_seconds, cache_key, max_attempts)
                VALUES (@runId, @Id, @ClientId, @name, 'train', 'main', @commitSha, @admin, @needs, @spec::jsonb, @tags, @gpus,
                        @gpuModel, @cpus, @memory, @timeout, @cacheKey, @maxAttempts)
                RETURNING id
                """,
                new
                {
                    runId, project.Id, project.ClientId, name = job.Name, commitSha, admin, needs = job.Needs.ToArray(),
                    spec = spec.ToJsonString(), tags = (tags ?? []).ToArray(), gpus = job.Resources.Gpus, gpuModel = job.Resources.GpuModel,
                    cpus = job.Resources.Cpus, memory = job.Resources.MemoryBytes, timeout = job.TimeoutSeconds, cacheKey = job.CacheKey,
                    maxAttempts,
                }, transaction);
        }
        await connection.ExecuteAsync("SELECT advance_run(@runId)", new { runId }, transaction);
        await transaction.CommitAsync();
        return (runId, ids);
    }

    public async Task<T> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }

    public async Task ExecuteAsync(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.ExecuteAsync(sql, parameters);
    }

    /// <summary>Polls until the job reaches one of <paramref name="statuses"/> (a test waits on the outcome, it does not time it).</summary>
    public async Task<string> WaitForJobAsync(long jobId, TimeSpan within, params string[] statuses)
    {
        var deadline = DateTime.UtcNow + within;
        string status;
        do
        {
            status = await QueryAsync<string>("SELECT status FROM jobs WHERE id = @jobId", new { jobId });
            if (statuses.Contains(status))
            {
                return status;
            }
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        return status;
    }

    public static RunnerCapacity Capacity(int concurrency = 1, IReadOnlyList<string>? tags = null, IReadOnlyList<GpuDevice>? gpus = null) =>
        new(concurrency, "process", tags ?? [], gpus ?? [], 4, 8L << 30);

    /// <summary>A job request as a runner sends it; null on 204.</summary>
    public async Task<JobPayload?> RequestJobAsync(string runnerToken, RunnerCapacity capacity)
    {
        using var http = Anonymous();
        http.Timeout = TimeSpan.FromSeconds(30);
        var response = await http.PostAsJsonAsync("/api/v1/runner/jobs/request", new JobRequest(runnerToken, capacity), Json);
        if (response.StatusCode == System.Net.HttpStatusCode.NoContent)
        {
            return null;
        }
        await Ensure(response);
        return JsonSerializer.Deserialize<JobPayload>(await response.Content.ReadAsStringAsync(), Json);
    }

    public HttpClient WithJobToken(string jobToken)
    {
        var http = Anonymous();
        http.DefaultRequestHeaders.Add(JobHeaders.JobToken, jobToken);
        return http;
    }
}
