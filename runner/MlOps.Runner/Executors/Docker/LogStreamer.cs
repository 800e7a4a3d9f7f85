using Docker.DotNet;

namespace MlOps.Runner.Executors.Docker;

/// <summary>Copies a container's stdout and stderr (attached before start, so nothing is missed) to the job's log as it arrives.</summary>
public static class LogStreamer
{
    public static async Task PumpAsync(MultiplexedStream stream, Func<ReadOnlyMemory<byte>, ValueTask> output, CancellationToken cancellationToken)
    {
        var buffer = new byte[32 * 1024];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                return;
            }
            if (read.Count > 0)
            {
                await output(buffer.AsMemory(0, read.Count));
            }
        }
    }
}
