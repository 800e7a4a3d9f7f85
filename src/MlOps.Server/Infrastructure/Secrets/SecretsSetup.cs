using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Secrets;

public static class SecretsSetup
{
    /// <summary>The protector (singleton: it holds the key) with its key checked and, when missing, made at start.</summary>
    public static IServiceCollection AddSecretProtection(this IServiceCollection services)
    {
        services.AddOptions<SecretsOptions>().BindConfiguration(SecretsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SecretsOptions>, SecretsOptionsValidator>());
        services.TryAddSingleton<SecretProtector>();
        services.AddHostedService<SecretKeyStartup>();
        return services;
    }

    /// <summary>Loads the key (writing `secret.key` when there is none) before the server takes requests, as the README says.</summary>
    private sealed class SecretKeyStartup(SecretProtector protector) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            protector.EnsureKey();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
