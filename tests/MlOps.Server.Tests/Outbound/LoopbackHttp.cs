using System.Net.Sockets;
using System.Text;

namespace MlOps.Server.Tests.Outbound;

/// <summary>
/// A one-line HTTP server on 127.0.0.1 that answers every request with the same canned response
/// and counts the connections it accepted, so a test can tell "refused before connecting" apart
/// from "connected and failed".
/// </summary>
public sealed class LoopbackHttp : IDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource stop = new();
    private int connections;

    public LoopbackHttp(string response)
    {
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref connections);
                var stream = client.GetStream();
                var buffer = new byte[8192];
                _ = await stream.ReadAsync(buffer, stop.Token);
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response.ReplaceLineEndings("\r\n")), stop.Token);
            }
        });
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Connections => Volatile.Read(ref connections);

    public static LoopbackHttp Json(int status, string body) =>
        new($"HTTP/1.1 {status} X\nContent-Type: application/json\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\nConnection: close\n\n{body}");

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
    }
}
