using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Outbound;
using MlOps.Server.Infrastructure.Secrets;
using Polly;

namespace MlOps.Server.Features.GitLab;

public static class GitLabSetup
{
    public static IServiceCollection AddGitLab(this IServiceCollection services)
    {
        services.AddOptions<GitLabOptions>().BindConfiguration(GitLabOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddGitLabClient();
        services.TryAddSecretProtector();
        // Singletons: they hold the shared data source, the client factory and per-project fetch locks.
        services.AddSingleton<GitLabLinkRepository>();
        services.AddSingleton<GitLabMirror>();
        services.AddSingleton<GitLabGitBackend>();
        services.AddSingleton<IGitBackend>(sp => sp.GetRequiredService<GitLabGitBackend>());
        services.AddSingleton<GitLabLinkHandler>();
        services.AddHostedService<RefusedMirrorSweep>();
        services.AddSingleton<GitLabHookUpgrade>();
        services.AddHostedService(sp => sp.GetRequiredService<GitLabHookUpgrade>());
        return services;
    }

    /// <summary>The typed client behind the standard resilience pipeline (also used alone by tests).</summary>
    public static IHttpClientBuilder AddGitLabClient(this IServiceCollection services)
    {
        var builder = services.AddHttpClient<GitLabClient>(http => http.DefaultRequestHeaders.UserAgent.ParseAdd("MlOps"))
            .UseOutboundGuard();
        builder.AddStandardResilienceHandler().Configure((resilience, sp) =>
        {
            var options = sp.GetRequiredService<IOptions<GitLabOptions>>().Value;
            resilience.Retry.MaxRetryAttempts = Math.Max(1, options.MaxRetries);
            resilience.Retry.Delay = options.RetryDelay;
            resilience.Retry.BackoffType = DelayBackoffType.Exponential;
            resilience.Retry.UseJitter = true;
            resilience.Retry.ShouldRetryAfterHeader = true;
            // A refused address stays refused: retrying would only make the caller wait.
            resilience.Retry.ShouldHandle = args => ValueTask.FromResult(!OutboundHttp.IsRefusal(args.Outcome.Exception, out _)
                && HttpClientResiliencePredicates.IsTransient(args.Outcome));
            resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
            resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
            // The breaker's window must be at least twice an attempt (the options validate that).
            resilience.CircuitBreaker.SamplingDuration = options.AttemptTimeout * 2 + TimeSpan.FromSeconds(1);
        });
        return builder;
    }

    private static void TryAddSecretProtector(this IServiceCollection services)
    {
        if (services.All(s => s.ServiceType != typeof(SecretProtector)))
        {
            services.AddSingleton<SecretProtector>();
        }
    }
}
