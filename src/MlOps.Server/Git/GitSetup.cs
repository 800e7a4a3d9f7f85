namespace MlOps.Server.Git;

/// <summary>
/// Repositories and LFS objects on disk, the push-event log and branch protection: the storage
/// that Git HTTP, LFS, repository browsing, the GitLab link and pipelines all read or write.
/// </summary>
public static class GitSetup
{
    public static IServiceCollection AddGitStorage(this IServiceCollection services)
    {
        // All singletons: paths over the data dir, the shared data source, no per-request state.
        services.AddSingleton<RepositoryPaths>();
        services.AddSingleton<EmbeddedGitBackend>();
        services.AddSingleton<IGitBackend>(sp => sp.GetRequiredService<EmbeddedGitBackend>());
        services.AddSingleton<GitBackends>();
        services.AddSingleton<ProtectedBranchRepository>();
        services.AddSingleton<PushEventRepository>();
        services.AddSingleton<GitAccessResolver>();
        services.AddSingleton<LfsObjectStore>();
        services.AddSingleton<LfsRepository>();
        services.Configure<RouteOptions>(o =>
        {
            o.SetParameterPolicy<GitRouteConstraint>(GitRouteConstraint.Name);
            o.SetParameterPolicy<LfsRouteConstraint>(LfsRouteConstraint.Name);
        });
        // One background worker each per server: pushes hand the repacker project ids; the LFS
        // collector wakes on a timer.
        services.AddSingleton<RepositoryHousekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<RepositoryHousekeeping>());
        services.AddOptions<LfsHousekeepingOptions>().BindConfiguration(LfsHousekeepingOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<LfsHousekeeping>();
        services.AddHostedService(sp => sp.GetRequiredService<LfsHousekeeping>());
        return services;
    }
}
