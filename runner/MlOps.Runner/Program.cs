using Microsoft.Extensions.Options;
using MlOps.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Network;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddInMemoryCollection(new[]
    {
        ("MLOPS_URL", "Url"), ("MLOPS_REGISTRATION_TOKEN", "RegistrationToken"), ("MLOPS_RUNNER_NAME", "Name"),
        ("MLOPS_RUNNER_TAGS", "Tags"), ("MLOPS_RUNNER_CONFIG", "ConfigPath"),
    }
    .Select(m => (Key: $"{RunnerSettings.Section}:{m.Item2}", Value: Environment.GetEnvironmentVariable(m.Item1)))
    .Where(m => !string.IsNullOrEmpty(m.Value))
    .ToDictionary(m => m.Key, m => m.Value));

builder.Services.AddOptions<RunnerSettings>().BindConfiguration(RunnerSettings.Section)
    .Validate(s => s.Url is { IsAbsoluteUri: true }, "MLOPS_URL must be the server's absolute URL, e.g. http://127.0.0.1:8080.")
    .ValidateOnStart();
builder.Services.AddSingleton(sp => new RunnerStateStore(sp.GetRequiredService<IOptions<RunnerSettings>>().Value.ConfigPath));
builder.Services.AddHttpClient<CoordinatorClient>((sp, http) =>
{
    var url = sp.GetRequiredService<IOptions<RunnerSettings>>().Value.Url!;
    http.BaseAddress = url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");
    http.Timeout = TimeSpan.FromSeconds(60);
});
builder.Services.AddHostedService<RunnerService>();

builder.Build().Run();
