namespace MlOps.Server.Features.Lfs;

public static class LfsSetup
{
    public static IServiceCollection AddLfs(this IServiceCollection services)
    {
        services.AddOptions<LfsOptions>().BindConfiguration(LfsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Singletons: the store is paths over the data dir, the rest use the shared data source.
        services.AddSingleton<LfsObjectStore>();
        services.AddSingleton<LfsRepository>();
        services.AddSingleton<LfsHandler>();
        services.AddSingleton<LfsObjectList>();
        return services;
    }
}
