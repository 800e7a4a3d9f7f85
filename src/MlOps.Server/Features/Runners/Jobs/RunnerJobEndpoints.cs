using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>
/// `POST /api/v1/runner/jobs/request` (runner token in the body, long poll) and
/// `PUT /api/v1/runner/jobs/{id}` (job token in the JOB-TOKEN header: heartbeats and the end).
/// Logs, artifacts and metrics of a running job are in Features/JobOutputs.
/// </summary>
public static class RunnerJobEndpoints
{
    public static RouteGroupBuilder MapRunnerJobEndpoints(this RouteGroupBuilder api)
    {
        var jobs = api.MapGroup("/runner/jobs").WithTags("Runner protocol");

        jobs.MapPost("/request", async Task<Results<Created<JobPayload>, NoContent>> (JobRequest request, HttpContext http,
            RunnerJobHandler handler, IConfiguration configuration, CancellationToken ct) =>
        {
            var external = configuration["Server:ExternalUrl"];
            var server = new Uri(string.IsNullOrEmpty(external) ? $"{http.Request.Scheme}://{http.Request.Host}/" : external.TrimEnd('/') + "/");
            var job = await handler.RequestAsync(request, server, ct);
            return job is null ? TypedResults.NoContent() : TypedResults.Created($"/api/v1/jobs/{job.Id}", job);
        }).WithSummary("Wait up to ~30 s for a job matching this runner's capacity: 201 with the job and its token, or 204");

        jobs.MapPut("/{id:long}", async Task<Ok<JobUpdateResponse>> (long id, JobUpdate update, HttpContext http, RunnerJobHandler handler,
            CancellationToken ct) =>
        {
            http.RequireJob(id);
            return TypedResults.Ok(await handler.UpdateAsync(id, update, ct));
        }).WithSummary("Heartbeat (running, renews the lease; answers canceled when the job was canceled) or the job's end");
        return api;
    }

    public static IServiceCollection AddRunnerJobs(this IServiceCollection services)
    {
        services.AddOptions<RunnerJobOptions>().BindConfiguration(RunnerJobOptions.Section)
            .Validate(o => o.LeaseSeconds >= 2 && o.LongPollSeconds > 0, "RunnerJobs:LeaseSeconds must be 2 or more, LongPollSeconds positive.")
            .ValidateOnStart();
        services.AddSingleton<JobClaimRepository>();
        services.AddSingleton<JobLeaseRepository>();
        services.AddSingleton<JobPayloadBuilder>();
        services.AddSingleton<RunnerJobHandler>();
        services.AddSingleton<JobQueueSignal>();
        services.AddHostedService(sp => sp.GetRequiredService<JobQueueSignal>());
        services.AddHostedService<LeaseReaper>();
        return services;
    }
}
