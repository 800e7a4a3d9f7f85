
namespace MlOps.Runner.Configuration;

/// <summary>How this runner reaches its server; from MLOPS_* environment variables or `Runner:*` settings.</summary>
public sealed class RunnerSettings
{
    public const string Section = "Runner";

    /// <summary>`MLOPS_URL`: the server's base address.</summary>
    public Uri? Url { get; set; }

    /// <summary>`MLOPS_REGISTRATION_TOKEN`: needed only until this runner has registered.</summary>
    public string? RegistrationToken { get; set; }

    /// <summary>`MLOPS_RUNNER_NAME`.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>`MLOPS_RUNNER_TAGS`, comma-separated.</summary>
    public string Tags { get; set; } = "";

    /// <summary>`MLOPS_RUNNER_CONFIG`: where the runner token is kept between starts.</summary>
    public string ConfigPath { get; set; } = "runner.json";

    /// <summary>How often the runner checks in while idle.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);
}
