namespace MlOps.Server.Features.Lfs;

public static class LfsSetup
{
    public static IServiceCollection AddLfs(this IServiceCollection services)
    {
        services.AddOptions<LfsOptions>().BindConfiguration(LfsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        // Singleton: it holds only other singletons (the object store and its tables are core Git storage).
        services.AddSingleton<LfsHandler>();
        services.AddSingleton<LfsObjectQueries>();
        services.AddSingleton<LfsObjectList>();
        return services;
    }
}
