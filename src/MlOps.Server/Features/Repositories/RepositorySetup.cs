namespace MlOps.Server.Features.Repositories;

public static class RepositorySetup
{
    public static IServiceCollection AddRepositories(this IServiceCollection services)
    {
        // Singletons: the browser reads repositories by path, the handler holds only other singletons.
        services.AddSingleton<RepositoryBrowser>();
        services.AddSingleton<RepositoryHandler>();
        return services;
    }
}
