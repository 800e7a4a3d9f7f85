namespace MlOps.Server.Namespaces;

public static class NamespaceSetup
{
    /// <summary>The core every feature may use to resolve paths, users and the shared project columns; stateless singletons.</summary>
    public static IServiceCollection AddNamespaces(this IServiceCollection services)
    {
        services.AddSingleton<NamespaceRepository>();
        services.AddSingleton<UserDirectory>();
        services.AddSingleton<ProjectStore>();
        return services;
    }
}
