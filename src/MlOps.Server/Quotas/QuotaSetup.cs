namespace MlOps.Server.Quotas;

public static class QuotaSetup
{
    /// <summary>Stateless over the data source: singletons, shared by Git HTTP, LFS and billing.</summary>
    public static IServiceCollection AddQuotas(this IServiceCollection services)
    {
        services.AddSingleton<QuotaRepository>();
        services.AddSingleton<QuotaWarnings>();
        services.AddSingleton<StorageQuotaCheck>();
        return services;
    }
}
