using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace MlOps.Server.Features.Health;

public static class HealthEndpoints
{
    public sealed record HealthResponse(string Status);

    /// <summary>Anonymous by design: load balancers and orchestrators probe these without credentials.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", () => TypedResults.Ok(new HealthResponse("ok"))).WithTags("Health")
            .WithSummary("Liveness: the process answers");

        app.MapGet("/readyz", async Task<Results<Ok<HealthResponse>, ProblemHttpResult>> (NpgsqlDataSource db, CancellationToken ct) =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                await using var command = db.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(timeout.Token);
                return TypedResults.Ok(new HealthResponse("ready"));
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                return TypedResults.Problem(title: "Not ready", detail: "The database is unreachable.",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
            }
        }).WithTags("Health").WithSummary("Readiness: the database is reachable");

        return app;
    }
}
