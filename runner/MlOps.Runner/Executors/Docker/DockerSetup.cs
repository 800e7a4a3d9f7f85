using Docker.DotNet;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Executors.Docker;

public static class DockerSetup
{
    /// <summary>One client for the engine (it pools its connections), the image policy, the executor and the image builder.</summary>
    public static IServiceCollection AddDockerExecutor(this IServiceCollection services)
    {
        services.AddSingleton<IDockerClient>(sp => new DockerClientBuilder()
            .WithEndpoint(new Uri(sp.GetRequiredService<IOptions<RunnerSettings>>().Value.DockerHost))
            .Build());
        services.AddSingleton<ImagePuller>();
        services.AddSingleton<IExecutor, DockerExecutor>();
        services.AddSingleton<IImageBuilder, ImageBuilder>();
        return services;
    }
}
