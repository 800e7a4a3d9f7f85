using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Contracts.Runner;
using MlOps.Server.AccessControl;
using MlOps.Server.Features.Secrets;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.JobOutputs;

public sealed record JobUsageResponse(long JobId, IReadOnlyList<UsageRow> Attempts, IReadOnlyList<GpuUsageRow> Gpus);

public sealed record RunUsageResponse(long RunId, int Attempts, UsageRow Total, IReadOnlyList<GpuModelTotal> Gpus);

/// <summary>
/// What users read of a job: its log (whole or from an offset, so a page can follow it), its
/// artifacts, usage and metrics, and the usage totals of a run. Everything asks the gate for Read
/// on the job's project; a job of a project the caller may not see is 404 like a missing one.
/// </summary>
public static class JobOutputEndpoints
{
    public static RouteGroupBuilder MapJobOutputEndpoints(this RouteGroupBuilder api)
    {
        var job = api.MapGroup("/jobs/{id:long}").WithTags("Jobs");

        job.MapGet("/log", async Task<IResult> (long id, long? offset, HttpContext http, AccessGate gate, JobOutputRepository jobs,
            JobLogStore logs, SecretVault secrets, CancellationToken ct) =>
        {
            await ReadableAsync(http, gate, jobs, id, ct);
            if (offset < 0)
            {
                throw new ValidationException("offset", "offset must be 0 or more.");
            }
            var size = await logs.SizeAsync(id, ct);
            var bytes = await logs.ReadAsync(id, offset ?? 0, size, ct);
            // The runner masks secrets before upload; this is the safety net for a runner that did not.
            var (projectId, names) = await jobs.SecretNamesAsync(id, ct);
            var text = LogMask.Apply(Encoding.UTF8.GetString(bytes), (await secrets.ResolveAsync(projectId, names, ct)).Values);
            http.Response.Headers[JobHeaders.LogSize] = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Text(text, "text/plain; charset=utf-8");
        }).WithSummary("The job's log, whole or from ?offset= (X-Log-Size: where it ends now; ask again from there to follow it)");

        job.MapGet("/artifacts", async Task<Ok<IReadOnlyList<ArtifactResponse>>> (long id, HttpContext http, AccessGate gate,
            JobOutputRepository jobs, ArtifactStore artifacts, CancellationToken ct) =>
        {
            await ReadableAsync(http, gate, jobs, id, ct);
            return TypedResults.Ok<IReadOnlyList<ArtifactResponse>>((await artifacts.ListAsync(id, ct)).Select(ArtifactResponse.From).ToList());
        }).WithSummary("The job's artifacts with sizes and SHA-256");

        job.MapGet("/artifacts/{name}", async Task<IResult> (long id, string name, HttpContext http, AccessGate gate, JobOutputRepository jobs,
            ArtifactStore artifacts, CancellationToken ct) =>
        {
            await ReadableAsync(http, gate, jobs, id, ct);
            var row = (await artifacts.ListAsync(id, ct)).FirstOrDefault(a => a.Name == name)
                ?? throw new NotFoundException($"Job {id} has no artifact '{name}'.");
            http.Response.Headers[JobHeaders.Sha256] = row.Sha256;
            return TypedResults.PhysicalFile(artifacts.PathOf(row.Sha256), "application/octet-stream",
                row.Format == "tar" ? name + ".tar" : name, enableRangeProcessing: true);
        }).WithSummary("Download an artifact (a folder output comes as a tar)");

        job.MapGet("/usage", async Task<Ok<JobUsageResponse>> (long id, HttpContext http, AccessGate gate, JobOutputRepository jobs,
            CancellationToken ct) =>
        {
            await ReadableAsync(http, gate, jobs, id, ct);
            var (attempts, gpus) = await jobs.UsageAsync(id, ct);
            return TypedResults.Ok(new JobUsageResponse(id, attempts, gpus));
        }).WithSummary("What each attempt of the job used (final once it ended)");

        job.MapGet("/metrics", async Task<Ok<IReadOnlyList<MetricRow>>> (long id, HttpContext http, AccessGate gate, JobOutputRepository jobs,
            CancellationToken ct) =>
        {
            await ReadableAsync(http, gate, jobs, id, ct);
            return TypedResults.Ok(await jobs.MetricsAsync(id, ct));
        }).WithSummary("Metrics the job reported (its latest attempt), by name and step");

        api.MapGet("/runs/{id:long}/usage", async Task<Ok<RunUsageResponse>> (long id, HttpContext http, AccessGate gate,
            JobOutputRepository jobs, CancellationToken ct) =>
        {
            var projectId = await jobs.ProjectOfRunAsync(id, ct) ?? throw new NotFoundException($"Run {id} not found.");
            await gate.ProjectAsync(http.Caller(), projectId, ProjectAction.Read, ct, $"Run {id} not found.");
            var (total, gpus) = await jobs.RunUsageAsync(id, ct);
            return TypedResults.Ok(new RunUsageResponse(id, total.Attempt, total, gpus));
        }).WithTags("Jobs").WithSummary("Usage of every job attempt of the run, totalled");
        return api;
    }

    public static IServiceCollection AddJobOutputs(this IServiceCollection services)
    {
        services.AddSingleton<JobLogStore>();
        services.AddSingleton<ArtifactStore>();
        services.AddSingleton<JobOutputRepository>();
        return services;
    }

    private static async Task ReadableAsync(HttpContext http, AccessGate gate, JobOutputRepository jobs, long id, CancellationToken ct)
    {
        var projectId = await jobs.ProjectOfJobAsync(id, ct) ?? throw new NotFoundException($"Job {id} not found.");
        await gate.ProjectAsync(http.Caller(), projectId, ProjectAction.Read, ct, $"Job {id} not found.");
    }
}

/// <summary>Replaces secret values in log text with [MASKED]; the longest first, so a secret containing another is masked whole.</summary>
public static class LogMask
{
    public const string Masked = "[MASKED]";

    public static string Apply(string text, IEnumerable<string> secrets)
    {
        foreach (var secret in secrets.Where(s => s.Length >= 3).OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, Masked, StringComparison.Ordinal);
        }
        return text;
    }
}
