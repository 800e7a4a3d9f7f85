using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Network;

namespace MlOps.Runner;

/// <summary>
/// Keeps this runner registered with its server and checks in on an interval. Taking and running
/// jobs builds on this connection.
/// </summary>
public sealed class RunnerService(CoordinatorClient coordinator, RunnerStateStore store, IOptions<RunnerSettings> settings,
    ILogger<RunnerService> logger) : BackgroundService
{
    public static readonly string Version = typeof(RunnerService).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var state = await EnsureRegisteredAsync(stoppingToken);
                var verified = await coordinator.VerifyAsync(new VerifyRunnerRequest(state.Token, Version), stoppingToken);
                if (verified is null)
                {
                    logger.LogWarning("The server no longer knows runner {RunnerId}; registering again", state.Id);
                    store.Delete();
                    continue;
                }
                if (failures > 0)
                {
                    logger.LogInformation("Reconnected to {Url} as runner {RunnerId}", settings.Value.Url, verified.Id);
                }
                failures = 0;
                await Task.Delay(settings.Value.HeartbeatInterval, stoppingToken);
            }
            catch (Exception e) when (e is HttpRequestException or CoordinatorException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                failures++;
                // Back off up to a minute so a restarting server is not hammered by every runner at once.
                var delay = TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(failures, 6))));
                logger.LogWarning("Cannot reach {Url} ({Error}); retrying in {Delay}", settings.Value.Url, e.Message, delay);
                await Task.Delay(delay, stoppingToken);
            }
        }
    }

    /// <summary>The stored registration for this server, or a new one made with the registration token.</summary>
    public async Task<RunnerState> EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        var url = settings.Value.Url!;
        if (store.Load() is { } state && state.Url == url)
        {
            return state;
        }
        var registrationToken = settings.Value.RegistrationToken;
        if (string.IsNullOrEmpty(registrationToken))
        {
            throw new InvalidOperationException(
                "This runner is not registered and MLOPS_REGISTRATION_TOKEN is not set: give it the server's registration token.");
        }
        var tags = settings.Value.Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var registered = await coordinator.RegisterAsync(new RegisterRunnerRequest(registrationToken, settings.Value.Name,
            Tags: tags, Version: Version, Platform: $"{Environment.OSVersion.Platform}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}",
            Executor: "docker"), cancellationToken);
        state = new RunnerState(url, registered.Id, registered.Token);
        store.Save(state);
        logger.LogInformation("Registered with {Url} as runner {RunnerId} ({RunnerName})", url, registered.Id, settings.Value.Name);
        return state;
    }
}
