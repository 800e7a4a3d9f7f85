using System.Text;
using System.Threading.Channels;
using Docker.DotNet;
using Docker.DotNet.Models;
using Microsoft.Extensions.Options;
using MlOps.Runner.Configuration;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// `docker build` of an operation's image on the local engine: the context (the repository at the
/// published commit) sent as a tar archive, no network unless the job asks and this runner allows
/// it (a `FROM` of a local image needs none), the build output streamed into the job's log as it
/// comes, the image tagged and labelled as the spec says, and its id read back from the engine.
/// </summary>
public sealed class ImageBuilder(IDockerClient docker, IOptions<RunnerSettings> settings, ILogger<ImageBuilder> logger) : IImageBuilder
{
    public async Task<ExecutionResult> BuildAsync(ImageBuildRequest request, Func<ReadOnlyMemory<byte>, ValueTask> output, CancellationToken stop)
    {
        ValueTask Say(string line) => output(Encoding.UTF8.GetBytes($"\u001b[1m$ {line}\u001b[0m\n"));
        var spec = request.Spec;
        var context = Inside(request.Workspace, spec.Context);
        if (context is null || !Directory.Exists(context))
        {
            return new ExecutionResult(null, $"The build context '{spec.Context}' is not a directory of the repository.");
        }
        // The engine reads the Dockerfile from the archive, so it must be inside the context.
        var dockerfile = Inside(request.Workspace, spec.Dockerfile);
        if (dockerfile is null || !File.Exists(dockerfile) || !IsUnder(context, dockerfile))
        {
            return new ExecutionResult(null, $"The Dockerfile '{spec.Dockerfile}' is not a file inside the build context '{spec.Context}'.");
        }
        var relativeDockerfile = Path.GetRelativePath(context, dockerfile).Replace('\\', '/');
        var network = request.Network && settings.Value.AllowNetwork ? "default" : "none";
        await Say($"docker build --network {network} -f {spec.Dockerfile} -t {spec.Target} {spec.Context}");

        var tarPath = request.Workspace.TrimEnd('/') + ".context.tar";
        try
        {
            var (files, bytes) = await BuildContext.WriteAsync(context, relativeDockerfile, tarPath, stop);
            await Say($"Sending the build context: {files} files, {bytes} bytes");
            return await RunBuildAsync(request, relativeDockerfile, network, tarPath, output, Say, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return new ExecutionResult(null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return new ExecutionResult(null, "The image build failed: the Docker engine did not answer (" + e.Message + ").");
        }
        finally
        {
            File.Delete(tarPath);
        }
    }

    private async Task<ExecutionResult> RunBuildAsync(ImageBuildRequest request, string dockerfile, string network, string tarPath,
        Func<ReadOnlyMemory<byte>, ValueTask> output, Func<string, ValueTask> say, CancellationToken stop)
    {
        var spec = request.Spec;
        var parameters = new ImageBuildParameters
        {
            Dockerfile = dockerfile,
            Tags = [spec.Target],
            Labels = new Dictionary<string, string>(spec.Labels),
            NetworkMode = network,
            // Intermediate containers go whether the build succeeds or not.
            Remove = true,
            ForceRemove = true,
        };
        // The engine's progress arrives in order on Docker.DotNet's reading loop; a channel keeps that
        // order into the (asynchronous) log, where Progress<T> would post each message to the thread pool.
        var messages = Channel.CreateUnbounded<JSONMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        string? error = null;
        var pump = Task.Run(async () =>
        {
            await foreach (var message in messages.Reader.ReadAllAsync(CancellationToken.None))
            {
                if (message.Error?.Message is { Length: > 0 } failed)
                {
                    error ??= failed;
                }
                var text = message.Stream ?? (message.Status is { Length: > 0 } status ? status + "\n" : null);
                if (text is { Length: > 0 })
                {
                    await output(Encoding.UTF8.GetBytes(text));
                }
            }
        }, CancellationToken.None);
        try
        {
            await using var tar = File.OpenRead(tarPath);
            await docker.Images.BuildImageFromDockerfileAsync(parameters, tar, null, null, new ChannelProgress(messages.Writer), stop);
        }
        catch (DockerApiException e)
        {
            // Refused before building at all (a Dockerfile the engine cannot parse, a bad parameter).
            error ??= ApiMessage(e);
        }
        finally
        {
            messages.Writer.TryComplete();
            await pump;
        }
        stop.ThrowIfCancellationRequested();
        if (error is not null)
        {
            return new ExecutionResult(null, "The image build failed: " + error.Trim());
        }
        try
        {
            var image = await docker.Images.InspectImageAsync(spec.Target, CancellationToken.None);
            await say($"Built {spec.Target}: {image.ID}");
            logger.LogInformation("Job {JobId} built {Image} ({ImageId})", request.JobId, spec.Target, image.ID);
            return new ExecutionResult(0, ImageDigest: image.ID);
        }
        catch (DockerApiException e)
        {
            return new ExecutionResult(null, $"The build ended but the image {spec.Target} is not on the engine: {ApiMessage(e)}");
        }
    }

    // The engine answers errors as {"message": "..."}; the log and the failure reason want the message alone.
    private static string ApiMessage(DockerApiException e)
    {
        try
        {
            using var body = System.Text.Json.JsonDocument.Parse(e.ResponseBody ?? "");
            if (body.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }
        return e.ResponseBody ?? e.Message;
    }

    // The spec's paths come from the server, which checked them at publishing; still, nothing outside the workspace is read.
    private static string? Inside(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(Path.GetFullPath(root), relative));
        return IsUnder(root, full) ? full : null;
    }

    private static bool IsUnder(string root, string fullPath)
    {
        var rootFull = Path.GetFullPath(root);
        return fullPath == rootFull || fullPath.StartsWith(rootFull.TrimEnd('/') + "/", StringComparison.Ordinal);
    }

    private sealed class ChannelProgress(ChannelWriter<JSONMessage> writer) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => writer.TryWrite(value);
    }
}
