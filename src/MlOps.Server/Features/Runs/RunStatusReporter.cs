using System.Collections.Concurrent;
using Dapper;
using MlOps.Server.Git;
using Npgsql;

namespace MlOps.Server.Features.Runs;

/// <summary>
/// Writes each run's state back to the Git host as a commit status (GitLab through the link's
/// client, GitHub through its status API), never in the way of the run: it follows NOTIFY
/// `mlops_run_status` and sweeps for runs whose `reported_status` lags their status (so a restart
/// or a host that was down catches up). A failed send is retried with exponential backoff.
/// </summary>
public sealed class RunStatusReporter(NpgsqlDataSource dataSource, GitBackends backends, IConfiguration configuration,
    Infrastructure.Database.NotificationHub hub, Infrastructure.Database.DatabaseOutage outage, ILogger<RunStatusReporter> logger)
    : Infrastructure.Database.NotifiedLoop(hub, outage, logger, "mlops_run_status", TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50))
{
    private readonly ConcurrentDictionary<long, (int Failures, DateTimeOffset NotBefore)> backoff = new();

    private sealed record Pending(long Id, long ProjectId, string Status, string CommitSha, string Ref, string? Pipeline, string GitBackend);

    /// <summary>Our run states in the hosts' shared vocabulary.</summary>
    public static string HostState(string status) => status switch
    {
        "created" or "pending" => "pending",
        "running" => "running",
        "success" => "success",
        "failed" => "failed",
        _ => "canceled",
    };

    protected override string FailureMessage => "Reporting commit statuses failed; retrying at the next sweep";

    protected override Task PassAsync(CancellationToken stoppingToken) => ReportAsync(stoppingToken);

    public async Task ReportAsync(CancellationToken cancellationToken)
    {
        List<Pending> pending;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            // Embedded projects show statuses in our own API: nothing to send, only to mark. The
            // lagging runs are found through runs_unreported_idx, whose ids the update then takes
            // by primary key: as a join, a freshly filled table's stale statistics made it scan
            // every run at each pass (3 ms at 6,000 runs, and growing with the table).
            pending = (await connection.QueryAsync<Pending>(new CommandDefinition(
                """
                UPDATE runs r SET reported_status = r.status
                WHERE r.id = ANY (ARRAY(SELECT u.id FROM runs u
                                        WHERE u.reported_status IS DISTINCT FROM u.status
                                          AND (SELECT p.git_backend FROM projects p WHERE p.id = u.project_id) = 'embedded'
                                        ORDER BY u.id LIMIT 1000))
                  AND r.reported_status IS DISTINCT FROM r.status;
                SELECT r.id, r.project_id, r.status, r.commit_sha, r.ref, r.pipeline, p.git_backend
                FROM runs r JOIN projects p ON p.id = r.project_id
                WHERE r.reported_status IS DISTINCT FROM r.status ORDER BY r.id LIMIT 200
                """, cancellationToken: cancellationToken))).AsList();
        }
        foreach (var run in pending)
        {
            if (backoff.TryGetValue(run.Id, out var wait) && wait.NotBefore > DateTimeOffset.UtcNow)
            {
                continue;
            }
            try
            {
                var external = configuration["Server:ExternalUrl"]?.TrimEnd('/');
                await backends.For(run.GitBackend).SetCommitStatusAsync(run.ProjectId, new CommitStatus(run.CommitSha,
                    HostState(run.Status), "mlops/" + (run.Pipeline ?? "mlops.yml"),
                    string.IsNullOrEmpty(external) ? null : $"{external}/api/v1/runs/{run.Id}",
                    $"MlOps run {run.Id}: {run.Status}", run.Ref.StartsWith("refs/heads/", StringComparison.Ordinal) ? run.Ref[11..] : null),
                    cancellationToken);
                await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition("UPDATE runs SET reported_status = @Status WHERE id = @Id",
                    run, cancellationToken: cancellationToken));
                backoff.TryRemove(run.Id, out _);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !Infrastructure.Database.DatabaseOutage.Matches(e))
            {
                var failures = backoff.TryGetValue(run.Id, out var f) ? f.Failures + 1 : 1;
                backoff[run.Id] = (failures, DateTimeOffset.UtcNow.AddSeconds(Math.Min(600, Math.Pow(2, failures))));
                Logger.LogWarning(e, "Commit status of run {RunId} not sent (attempt {Attempt})", run.Id, failures);
            }
        }
    }
}
