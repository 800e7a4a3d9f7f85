using MlOps.Server.Infrastructure.Http;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MlOps.Server.Infrastructure.Observability;

public static class TelemetrySetup
{
    public const string MeterName = "MlOps.Server";

    /// <summary>OpenTelemetry metrics (ASP.NET Core, Kestrel, runtime, ours) exposed for Prometheus at /metrics.</summary>
    public static IServiceCollection AddTelemetry(this IServiceCollection services)
    {
        // Singleton: the instruments live as long as the meter the host's factory made.
        services.AddSingleton<ServerMetrics>();
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("mlops-server"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime", "Npgsql", MeterName)
                .AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// Metrics name projects and tenants, so they are for operators: an admin token, or an
    /// anonymous scraper when `Metrics:AllowAnonymous` says the network is trusted.
    /// </summary>
    public static IEndpointRouteBuilder MapMetrics(this IEndpointRouteBuilder app, IConfiguration configuration)
    {
        var allowAnonymous = configuration.GetValue("Metrics:AllowAnonymous", false);
        app.MapPrometheusScrapingEndpoint("/metrics")
            .AddEndpointFilter(async (context, next) =>
            {
                if (!allowAnonymous)
                {
                    context.HttpContext.RequireAdmin();
                }
                return await next(context);
            });
        return app;
    }
}
