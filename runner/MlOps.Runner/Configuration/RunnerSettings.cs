namespace MlOps.Runner.Configuration;

/// <summary>
/// The runner's settings: `Runner:*` in a JSON file named by `MLOPS_RUNNER_SETTINGS` (or
/// appsettings.json beside the binary), overridden by the MLOPS_* environment variables listed
/// with each property.
/// </summary>
public sealed class RunnerSettings
{
    public const string Section = "Runner";

    /// <summary>`MLOPS_URL`: the server's base address.</summary>
    public Uri? Url { get; set; }

    /// <summary>`MLOPS_REGISTRATION_TOKEN`: needed only until this runner has registered.</summary>
    public string? RegistrationToken { get; set; }

    /// <summary>`MLOPS_RUNNER_NAME`.</summary>
    public string Name { get; set; } = Environment.MachineName;

    /// <summary>`MLOPS_RUNNER_TAGS`, comma-separated: a job runs here only if this runner has every tag the job asks for.</summary>
    public string Tags { get; set; } = "";

    /// <summary>`MLOPS_RUNNER_CONFIG`: where the runner token is kept between starts.</summary>
    public string ConfigPath { get; set; } = "runner.json";

    /// <summary>How often the runner checks in while idle.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>`MLOPS_RUNNER_CONCURRENCY`: jobs run at once.</summary>
    public int Concurrency { get; set; } = 1;

    /// <summary>`MLOPS_RUNNER_EXECUTOR`: `docker` (production) or `process` (hosts without Docker, development).</summary>
    public string Executor { get; set; } = "docker";

    /// <summary>`MLOPS_RUNNER_CPUS`: CPUs offered to jobs (0: all of this host's).</summary>
    public double Cpus { get; set; }

    /// <summary>`MLOPS_RUNNER_MEMORY_BYTES`: memory offered to jobs (0: all of this host's).</summary>
    public long MemoryBytes { get; set; }

    /// <summary>`MLOPS_RUNNER_ALLOW_NETWORK`: whether jobs that ask for `network: bridge` may have it (never without asking).</summary>
    public bool AllowNetwork { get; set; }

    /// <summary>`MLOPS_RUNNER_BUILDS_DIR`: where job workspaces are made (and removed after).</summary>
    public string BuildsDir { get; set; } = Path.Combine(Path.GetTempPath(), "mlops-builds");

    /// <summary>`MLOPS_DOCKER_HOST`: the Docker engine (default the local socket).</summary>
    public string DockerHost { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>`MLOPS_RUNNER_PULL`: pull images missing locally (when a registry is reachable). Off: local images only.</summary>
    public bool PullImages { get; set; }

    /// <summary>`MLOPS_NVIDIA_SMI`: the nvidia-smi to ask for the GPU inventory and usage (looked up on PATH).</summary>
    public string NvidiaSmi { get; set; } = "nvidia-smi";

    /// <summary>How often usage is sampled while a job runs.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>On SIGTERM: how long running jobs may take to finish before they are stopped and handed back.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(20);

    public string[] TagList => Tags.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
