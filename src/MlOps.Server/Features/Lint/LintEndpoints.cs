using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MlOps.Server.Infrastructure.Pipelines;
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
        // Without the catalog every operation is unknown; AddCatalog registers the real factory,
        // which resolves per caller (TryAdd: whichever order Program lists them in).
        services.TryAddSingleton<IOperationResolverFactory, EmptyOperationResolverFactory>();
        services.AddSingleton<LintHandler>();
        return services;
    }
}
