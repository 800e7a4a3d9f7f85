using Docker.DotNet;
using Docker.DotNet.Models;
using MlOps.Runner.Configuration;
using Microsoft.Extensions.Options;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// Image policy: an image present on the engine is used as it is (the frozen reference of an
/// operation names an exact version); a missing one is pulled only when this runner may pull
/// (`MLOPS_RUNNER_PULL`, a reachable registry), otherwise the job fails saying so.
/// </summary>
public sealed class ImagePuller(IDockerClient docker, IOptions<RunnerSettings> settings, ILogger<ImagePuller> logger)
{
    public async Task<string?> EnsureAsync(string image, Func<string, ValueTask> say, CancellationToken cancellationToken)
    {
        try
        {
            await docker.Images.InspectImageAsync(image, cancellationToken);
            return null;
        }
        catch (DockerImageNotFoundException)
        {
        }
        catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
        }
        if (!settings.Value.PullImages)
        {
            return $"The image '{image}' is not on this runner's Docker engine and this runner does not pull images (MLOPS_RUNNER_PULL).";
        }
        await say($"Pulling {image}");
        var (name, tag) = Split(image);
        try
        {
            await docker.Images.CreateImageAsync(new ImagesCreateParameters { FromImage = name, Tag = tag }, null,
                new Progress<JSONMessage>(m => { if (m.Error is not null) logger.LogWarning("Pull {Image}: {Error}", image, m.Error.Message); }),
                cancellationToken);
            await docker.Images.InspectImageAsync(image, cancellationToken);
            return null;
        }
        catch (DockerApiException e)
        {
            return $"Pulling the image '{image}' failed: {e.ResponseBody}";
        }
    }

    private static (string Name, string Tag) Split(string image)
    {
        var at = image.IndexOf('@');
        if (at >= 0)
        {
            return (image[..at], image[(at + 1)..]);
        }
        var colon = image.LastIndexOf(':');
        return colon > image.LastIndexOf('/') ? (image[..colon], image[(colon + 1)..]) : (image, "latest");
    }
}
