using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Pipelines.Resolution;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Lint;

public static class LintEndpoints
{
    public static RouteGroupBuilder MapLintEndpoints(this RouteGroupBuilder api)
    {
        api.MapPost("/lint", async Task<Ok<LintResponse>> (LintRequest request, HttpContext http, LintHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.LintAsync(http.RequireCaller(), request, ct)))
            .WithTags("Pipelines")
            .WithSummary("Validate an mlops.yml or operation.yml: errors with line and column, or the compiled jobs or .gitlab-ci.yml");
        return api;
    }

    public static IServiceCollection AddLint(this IServiceCollection services)
    {
        // Until the catalog exists no operation is published, so `uses:` reports every operation
        // as unknown; the catalog registers its own resolver in place of this one.
        services.AddSingleton<IOperationResolver>(InMemoryOperationResolver.Empty);
        services.AddSingleton<LintHandler>();
        return services;
    }
}
