namespace MlOps.Server.Features.Namespaces;

public static class NamespaceSetup
{
    public static IServiceCollection AddNamespaces(this IServiceCollection services) =>
        services.AddSingleton<NamespaceRepository>();
}
