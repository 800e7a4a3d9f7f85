namespace MlOps.Server.Features.Billing;

public static class BillingSetup
{
    /// <summary>Handlers and the repository are stateless over the data source: singletons.</summary>
    public static IServiceCollection AddBilling(this IServiceCollection services)
    {
        services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ClientResolver>();
        services.AddSingleton<BillingRepository>();
        services.AddSingleton<StatementHandler>();
        services.AddSingleton<QuotaHandler>();
        services.AddSingleton<PriceHandler>();
        return services;
    }
}
