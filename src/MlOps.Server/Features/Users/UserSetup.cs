namespace MlOps.Server.Features.Users;

public static class UserSetup
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        // Stateless over the data source: one instance serves every request.
        services.AddSingleton<UserRepository>();
        services.AddSingleton<UserHandler>();
        services.AddHostedService<AdminBootstrapper>();
        services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptions.Section)
            .Validate(o => o.AdminToken is null || o.AdminToken.Length >= 20,
                "MLOPS_ADMIN_TOKEN (Bootstrap:AdminToken) must be at least 20 characters; make one with: openssl rand -hex 32")
            .ValidateOnStart();
        return services;
    }
}
