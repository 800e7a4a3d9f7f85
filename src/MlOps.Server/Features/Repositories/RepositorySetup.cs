namespace MlOps.Server.Features.Repositories;

public static class RepositorySetup
{
    public static IServiceCollection AddRepositories(this IServiceCollection services)
    {
        // All singletons: paths over the data dir, the shared data source, no per-request state.
        services.AddSingleton<RepositoryPaths>();
        services.AddSingleton<EmbeddedGitBackend>();
        services.AddSingleton<IGitBackend>(sp => sp.GetRequiredService<EmbeddedGitBackend>());
        services.AddSingleton<GitBackends>();
        services.AddSingleton<ProtectedBranchRepository>();
        services.AddSingleton<RepositoryBrowser>();
        services.AddSingleton<RepositoryHandler>();
        // One background worker per server; pushes hand it project ids.
        services.AddSingleton<RepositoryHousekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<RepositoryHousekeeping>());
        return services;
    }
}
