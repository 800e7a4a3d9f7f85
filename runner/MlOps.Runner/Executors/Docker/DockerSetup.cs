using Docker.DotNet;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Executors.Docker;

public static class DockerSetup
{
    /// <summary>One client for the engine (it pools its connections), the image policy, and the executor.</summary>
    public static IServiceCollection AddDockerExecutor(this IServiceCollection services)
    {
        services.AddSingleton<IDockerClient>(sp => new DockerClientBuilder()
            .WithEndpoint(new Uri(sp.GetRequiredService<IOptions<RunnerSettings>>().Value.DockerHost))
            .Build());
        services.AddSingleton<ImagePuller>();
        services.AddSingleton<IExecutor, DockerExecutor>();
        return services;
    }
}
