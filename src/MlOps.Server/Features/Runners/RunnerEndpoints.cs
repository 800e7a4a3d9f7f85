using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runners;

public sealed record RunnerResponse(long Id, string Name, string Description, string[] Tags, string Version, string Platform,
    string Executor, System.Text.Json.JsonElement Gpus, bool Paused, DateTime? ContactedAt, DateTime CreatedAt, string TokenPrefix);

/// <summary>
/// The runner protocol (authenticated by runner tokens in the body, as GitLab's runner API does) and
/// the administrators' view of runners.
/// </summary>
public static class RunnerEndpoints
{
    public static RouteGroupBuilder MapRunnerEndpoints(this RouteGroupBuilder api)
    {
        var protocol = api.MapGroup("/runner").WithTags("Runner protocol");

        protocol.MapPost("/register", async Task<Created<RegisterRunnerResponse>> (RegisterRunnerRequest request, RunnerHandler handler,
            CancellationToken ct) =>
        {
            var runner = await handler.RegisterAsync(request, ct);
            return TypedResults.Created($"/api/v1/runners/{runner.Id}", runner);
        }).WithSummary("Register a runner with the registration token; answers its runner token once");

        protocol.MapPost("/verify", async Task<Ok<VerifyRunnerResponse>> (VerifyRunnerRequest request, RunnerHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.VerifyAsync(request, ct)))
            .WithSummary("Check a runner token and report the host's inventory (also a heartbeat)");

        protocol.MapDelete("", async Task<NoContent> ([Microsoft.AspNetCore.Mvc.FromBody] UnregisterRunnerRequest request,
            RunnerHandler handler, CancellationToken ct) =>
        {
            await handler.UnregisterAsync(request, ct);
            return TypedResults.NoContent();
        }).WithSummary("Unregister this runner");

        var admin = api.MapGroup("/runners").WithTags("Runners");

        admin.MapGet("", async Task<Ok<Page<RunnerResponse>>> (string? cursor, int? per_page, HttpContext http, RunnerRepository runners,
            CancellationToken ct) =>
        {
            http.RequireAdmin();
            var page = PageRequest.From(cursor, per_page);
            var rows = await runners.ListAsync(page, ct);
            return TypedResults.Ok(page.ToPage(rows, r => r.Id, r => new RunnerResponse(r.Id, r.Name, r.Description, r.Tags, r.Version,
                r.Platform, r.Executor, System.Text.Json.JsonDocument.Parse(r.Gpus).RootElement.Clone(), r.Paused,
                r.ContactedAt, r.CreatedAt, r.TokenPrefix)));
        }).WithSummary("Registered runners (admin)");

        admin.MapDelete("/{id:long}", async Task<NoContent> (long id, HttpContext http, RunnerRepository runners, CancellationToken ct) =>
        {
            http.RequireAdmin();
            return await runners.DeleteAsync(id, ct) ? TypedResults.NoContent() : throw new NotFoundException($"Runner {id} not found.");
        }).WithSummary("Remove a runner; its token stops working (admin)");

        return api;
    }

    public static IServiceCollection AddRunners(this IServiceCollection services)
    {
        services.AddOptions<RunnerOptions>().BindConfiguration(RunnerOptions.Section);
        services.AddSingleton<RunnerRepository>();
        services.AddSingleton<RunnerHandler>();
        return services;
    }
}
