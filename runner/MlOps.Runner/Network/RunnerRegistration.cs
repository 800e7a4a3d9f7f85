using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Network;

/// <summary>Registers this runner once with the registration token and keeps its runner token between starts.</summary>
public sealed class RunnerRegistration(CoordinatorClient coordinator, RunnerStateStore store, IOptions<RunnerSettings> settings,
    ILogger<RunnerRegistration> logger)
{
    private static string Version => RunnerService.Version;

    /// <summary>The stored registration for this server, or a new one made with the registration token.</summary>
    public async Task<RunnerState> EnsureRegisteredAsync(CancellationToken cancellationToken)
    {
        var url = settings.Value.Url!;
        if (store.Load() is { } state && state.Url == url)
        {
            if (await coordinator.VerifyAsync(new VerifyRunnerRequest(state.Token, Version), cancellationToken) is not null)
            {
                return state;
            }
            logger.LogWarning("The server no longer knows runner {RunnerId}; registering again", state.Id);
            store.Delete();
        }
        var registrationToken = settings.Value.RegistrationToken;
        if (string.IsNullOrEmpty(registrationToken))
        {
            throw new InvalidOperationException(
                "This runner is not registered and MLOPS_REGISTRATION_TOKEN is not set: give it the server's registration token.");
        }
        var registered = await coordinator.RegisterAsync(new RegisterRunnerRequest(registrationToken, settings.Value.Name,
            Tags: settings.Value.TagList, Version: Version,
            Platform: $"{Environment.OSVersion.Platform}/{System.Runtime.InteropServices.RuntimeInformation.OSArchitecture}",
            Executor: settings.Value.Executor), cancellationToken);
        state = new RunnerState(url, registered.Id, registered.Token);
        store.Save(state);
        logger.LogInformation("Registered with {Url} as runner {RunnerId} ({RunnerName})", url, registered.Id, settings.Value.Name);
        return state;
    }
}
