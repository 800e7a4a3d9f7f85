namespace MlOps.Server.Features.Runs;

public static class RunSetup
{
    /// <summary>
    /// Singletons: they hold only the shared data source, the gate and the backends. The push
    /// processor is a hosted service in every replica; claiming with SKIP LOCKED shares the work.
    /// </summary>
    public static IServiceCollection AddRuns(this IServiceCollection services)
    {
        services.AddOptions<PushProcessingOptions>().BindConfiguration(PushProcessingOptions.Section);
        services.AddSingleton<RunRepository>();
        services.AddSingleton<ExternalInputs>();
        services.AddSingleton<RunPlanner>();
        services.AddSingleton<PushRunCreator>();
        services.AddSingleton<RunHandler>();
        services.AddSingleton<ScheduleRepository>();
        services.AddSingleton<Scheduler>();
        services.AddHostedService<PushProcessor>();
        services.AddHostedService(sp => sp.GetRequiredService<Scheduler>());
        services.AddSingleton<RunStatusReporter>();
        services.AddHostedService(sp => sp.GetRequiredService<RunStatusReporter>());
        return services;
    }
}
