namespace MlOps.Server.AccessControl;

public static class AccessSetup
{
    /// <summary>The gate is stateless over the data source: one instance serves every request.</summary>
    public static IServiceCollection AddAccessGate(this IServiceCollection services) => services.AddSingleton<AccessGate>();
}
