namespace MlOps.Server.AccessControl;

public static class AccessSetup
{
    /// <summary>
    /// The gate and the membership tables it decides on, stateless over the data source: one
    /// instance each serves every request.
    /// </summary>
    public static IServiceCollection AddAccessGate(this IServiceCollection services)
    {
        services.AddSingleton<AccessGate>();
        services.AddSingleton<MemberRepository>();
        return services;
    }
}
