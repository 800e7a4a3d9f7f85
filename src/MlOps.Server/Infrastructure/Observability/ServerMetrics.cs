using System.Diagnostics.Metrics;

namespace MlOps.Server.Infrastructure.Observability;

/// <summary>
/// The server's own figures on the `MlOps.Server` meter, exported at /metrics with ASP.NET Core's
/// (requests by route and status), Kestrel's, the runtime's and Npgsql's. docs/operations.md lists
/// them with what to alert on.
/// </summary>
public sealed class ServerMetrics
{
    private readonly Counter<long> pushes;
    private readonly Counter<long> gitReceivedBytes;
    private readonly Counter<long> lfsStoredBytes;
    private readonly Counter<long> lfsStoredObjects;

    public ServerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(TelemetrySetup.MeterName);
        pushes = meter.CreateCounter<long>("mlops.git.pushes", "{push}",
            "Pushes received over Git smart HTTP; outcome=accepted when at least one ref moved, else refused.");
        gitReceivedBytes = meter.CreateCounter<long>("mlops.git.received", "By",
            "Bytes of push requests received over Git smart HTTP (packs and commands, as sent).");
        lfsStoredBytes = meter.CreateCounter<long>("mlops.lfs.stored", "By", "Bytes of Git LFS objects uploaded and verified.");
        lfsStoredObjects = meter.CreateCounter<long>("mlops.lfs.objects_stored", "{object}", "Git LFS objects uploaded and verified.");
    }

    /// <summary>A push finished; <paramref name="refsUpdated"/> is how many refs receive-pack reported ok.</summary>
    public void Pushed(int refsUpdated) =>
        pushes.Add(1, new KeyValuePair<string, object?>("outcome", refsUpdated > 0 ? "accepted" : "refused"));

    /// <summary>Wraps a push request's body so that every byte read from it is counted as received.</summary>
    public Stream CountGitReceived(Stream body) => new CountingStream(body, n => gitReceivedBytes.Add(n));

    public void LfsStored(long bytes)
    {
        lfsStoredBytes.Add(bytes);
        lfsStoredObjects.Add(1);
    }

    private sealed class CountingStream(Stream inner, Action<int> count) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int size) => Counted(inner.Read(buffer, offset, size));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int size, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, size), cancellationToken).AsTask();

        private int Counted(int n)
        {
            if (n > 0)
            {
                count(n);
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int size) => throw new NotSupportedException();
    }
}
