using Microsoft.Extensions.Options;
using MlOps.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Executors;
using MlOps.Runner.Executors.Docker;
using MlOps.Runner.Executors.Process;
using MlOps.Runner.Jobs;
using MlOps.Runner.Network;
using MlOps.Runner.Staging;
using MlOps.Runner.Usage;

// Only this file knows every part: settings, the coordinator client, the executor chosen, staging and usage.
var builder = Host.CreateApplicationBuilder(args);
if (Environment.GetEnvironmentVariable("MLOPS_RUNNER_SETTINGS") is { Length: > 0 } settingsFile)
{
    builder.Configuration.AddJsonFile(Path.GetFullPath(settingsFile), optional: false);
}
builder.Configuration.AddInMemoryCollection(new[]
    {
        ("MLOPS_URL", "Url"), ("MLOPS_REGISTRATION_TOKEN", "RegistrationToken"), ("MLOPS_RUNNER_NAME", "Name"),
        ("MLOPS_RUNNER_TAGS", "Tags"), ("MLOPS_RUNNER_CONFIG", "ConfigPath"), ("MLOPS_RUNNER_CONCURRENCY", "Concurrency"),
        ("MLOPS_RUNNER_EXECUTOR", "Executor"), ("MLOPS_RUNNER_CPUS", "Cpus"), ("MLOPS_RUNNER_MEMORY_BYTES", "MemoryBytes"),
        ("MLOPS_RUNNER_ALLOW_NETWORK", "AllowNetwork"), ("MLOPS_RUNNER_BUILDS_DIR", "BuildsDir"), ("MLOPS_DOCKER_HOST", "DockerHost"),
        ("MLOPS_RUNNER_PULL", "PullImages"), ("MLOPS_NVIDIA_SMI", "NvidiaSmi"), ("MLOPS_RUNNER_SHUTDOWN_GRACE", "ShutdownGrace"),
    }
    .Select(m => (Key: $"{RunnerSettings.Section}:{m.Item2}", Value: Environment.GetEnvironmentVariable(m.Item1)))
    .Where(m => !string.IsNullOrEmpty(m.Value))
    .ToDictionary(m => m.Key, m => m.Value));

builder.Services.AddOptions<RunnerSettings>().BindConfiguration(RunnerSettings.Section)
    .Validate(s => s.Url is { IsAbsoluteUri: true }, "MLOPS_URL must be the server's absolute URL, e.g. http://127.0.0.1:8080.")
    .Validate(s => s.Executor is "docker" or "process", "MLOPS_RUNNER_EXECUTOR must be docker or process.")
    .Validate(s => s.Concurrency is >= 1 and <= 1024, "MLOPS_RUNNER_CONCURRENCY must be 1 to 1024.")
    .ValidateOnStart();
// Running jobs get the grace period to finish on SIGTERM, then a moment to hand back.
builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout =
    builder.Configuration.GetValue($"{RunnerSettings.Section}:ShutdownGrace", TimeSpan.FromSeconds(20)) + TimeSpan.FromSeconds(15));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp => new RunnerStateStore(sp.GetRequiredService<IOptions<RunnerSettings>>().Value.ConfigPath));
builder.Services.AddHttpClient<CoordinatorClient>((sp, http) =>
{
    var url = sp.GetRequiredService<IOptions<RunnerSettings>>().Value.Url!;
    http.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    // Past the server's 30 s long poll; large artifacts stream with their own progress.
    http.Timeout = TimeSpan.FromMinutes(30);
});
builder.Services.AddSingleton<RunnerRegistration>();
builder.Services.AddSingleton<NvidiaSmi>();
builder.Services.AddSingleton<GpuSampler>();
builder.Services.AddSingleton<CheckoutCache>();
builder.Services.AddSingleton<GitCli>();
builder.Services.AddSingleton<Workspace>();
builder.Services.AddSingleton<JobRunner>();
if (builder.Configuration[$"{RunnerSettings.Section}:Executor"] is "process")
{
    builder.Services.AddSingleton<IExecutor, ProcessExecutor>();
}
else
{
    builder.Services.AddDockerExecutor();
}
builder.Services.AddHostedService<RunnerService>();

builder.Build().Run();
