using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runners;

public sealed class RunnerOptions
{
    public const string Section = "Runners";

    /// <summary>`MLOPS_RUNNER_REGISTRATION_TOKEN`: what a new runner presents to register. Unset: registration is off.</summary>
    public string? RegistrationToken { get; set; }
}

public sealed class RunnerHandler(RunnerRepository runners, IOptions<RunnerOptions> options, ILogger<RunnerHandler> logger)
{
    public const string TokenPrefix = "mlrt-";

    public async Task<RegisterRunnerResponse> RegisterAsync(RegisterRunnerRequest request, CancellationToken cancellationToken)
    {
        var expected = options.Value.RegistrationToken;
        if (string.IsNullOrEmpty(expected))
        {
            throw new ForbiddenException("Runner registration is disabled: the server has no MLOPS_RUNNER_REGISTRATION_TOKEN.");
        }
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.RegistrationToken ?? ""), Encoding.UTF8.GetBytes(expected)))
        {
            throw new ForbiddenException("The registration token is wrong.");
        }
        var validator = new Validator()
            .Check(request.Name is { Length: > 0 and <= 255 }, "name", "name is required (at most 255 characters).")
            .Check((request.Tags?.Count ?? 0) <= 50 && (request.Tags ?? []).All(t => t is { Length: > 0 and <= 64 }), "tags",
                "at most 50 tags of 1 to 64 characters.");
        validator.ThrowIfAny();

        var token = TokenHasher.NewToken(TokenPrefix);
        var id = await runners.InsertAsync(request, token, cancellationToken);
        logger.LogInformation("Registered runner {RunnerId} ({RunnerName})", id, request.Name);
        return new RegisterRunnerResponse(id, token);
    }

    public async Task<VerifyRunnerResponse> VerifyAsync(VerifyRunnerRequest request, CancellationToken cancellationToken)
    {
        var runner = await runners.TouchAsync(request.Token ?? "", request.Version, request.Gpus, cancellationToken)
            ?? throw new ForbiddenException("Unknown runner token: register again.");
        return new VerifyRunnerResponse(runner.Id, runner.Name, runner.Paused);
    }

    public async Task UnregisterAsync(UnregisterRunnerRequest request, CancellationToken cancellationToken)
    {
        if (!await runners.DeleteByTokenAsync(request.Token ?? "", cancellationToken))
        {
            throw new ForbiddenException("Unknown runner token.");
        }
    }
}
