using MlOps.Server.Infrastructure.Pipelines;

namespace MlOps.Server.Features.Catalog;

public static class CatalogSetup
{
    public static IServiceCollection AddCatalog(this IServiceCollection services)
    {
        // Stateless over the data source and the repositories on disk: singletons. The resolver
        // itself is made per caller (CatalogResolverFactory.For), so visibility is per request.
        services.AddSingleton<OperationRepository>();
        services.AddSingleton<PublishRepository>();
        services.AddSingleton<OperationSource>();
        services.AddSingleton<CatalogResolverFactory>();
        services.AddSingleton<IOperationResolverFactory>(sp => sp.GetRequiredService<CatalogResolverFactory>());
        services.AddSingleton<PublishHandler>();
        services.AddSingleton<CatalogHandler>();
        services.AddSingleton<CatalogSearch>();
        services.AddSingleton<RunArtifactInputs>();
        services.AddSingleton<OperationRunHandler>();
        services.AddSingleton<ImageBuildCompletion>();
        // One listener per server: completes image builds as their runs finish (NOTIFY mlops_run_status).
        services.AddHostedService<ImageBuildListener>();
        return services;
    }
}
