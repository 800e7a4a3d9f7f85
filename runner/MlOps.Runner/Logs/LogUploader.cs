using System.Text;
using MlOps.Contracts.Runner;
using MlOps.Runner.Network;

namespace MlOps.Runner.Logs;

/// <summary>
/// Sends a job's output to the server as it comes: buffered a fraction of a second, cut at line
/// ends (so a secret is masked whole and `::metric` lines are read whole), masked, and appended at
/// the byte offset the runner has reached. When a send fails, the same bytes are sent again at the
/// same offset; if the server already has them (the answer was lost), it says so by its length
/// and the runner moves on, so the log never holds a line twice.
/// </summary>
public sealed class LogUploader : IAsyncDisposable
{
    private byte[]? unsent;
    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(150);
    private const int MaxChunk = 256 * 1024;
    private readonly JobChannel channel;
    private readonly SecretMasker masker;
    private readonly ILogger logger;
    private readonly MemoryStream pending = new();
    private readonly Lock gate = new();
    private readonly List<MetricPoint> metrics = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly Task loop;
    private DateTime pendingSince = DateTime.MaxValue;
    private long offset;

    public LogUploader(JobChannel channel, SecretMasker masker, long offset, ILogger logger)
    {
        this.channel = channel;
        this.masker = masker;
        this.offset = offset;
        this.logger = logger;
        loop = RunAsync();
    }

    public long Offset => Interlocked.Read(ref offset);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> data)
    {
        lock (gate)
        {
            if (pending.Length == 0)
            {
                pendingSince = DateTime.UtcNow;
            }
            pending.Write(data.Span);
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteLineAsync(string line) => WriteAsync(Encoding.UTF8.GetBytes(line + "\n"));

    /// <summary>Metrics read from `::metric` lines since the last call.</summary>
    public IReadOnlyList<MetricPoint> TakeMetrics()
    {
        lock (gate)
        {
            var taken = metrics.ToList();
            metrics.Clear();
            return taken;
        }
    }

    /// <summary>Sends everything still buffered and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        await loop;
        await FlushAsync(final: true, CancellationToken.None);
    }

    private async Task RunAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushInterval, stopping.Token);
                await FlushAsync(final: false, stopping.Token);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (JobLostException)
            {
                return;
            }
        }
    }

    private async Task FlushAsync(bool final, CancellationToken cancellationToken)
    {
        // A chunk whose append was interrupted (the flush loop is stopped mid-request when the job
        // ends) is sent again at the same offset before anything else: the server either has it
        // (and answers with the length that already includes it) or appends it now, so nothing is
        // lost and nothing doubles.
        while (NextChunk(final) is { } bytes)
        {
            unsent = bytes;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var (accepted, size) = await channel.AppendLogAsync(Offset, bytes, cancellationToken);
                    if (!accepted && size != Offset + bytes.Length)
                    {
                        // Not our bytes: someone else wrote (should not happen with one token); carry on from the end.
                        logger.LogWarning("Log offset {Offset} refused, the log is {Size} bytes; appending there", Offset, size);
                        Interlocked.Exchange(ref offset, size);
                        continue;
                    }
                    Interlocked.Exchange(ref offset, size);
                    unsent = null;
                    break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or CoordinatorException
                    && !cancellationToken.IsCancellationRequested && attempt < (final ? 5 : int.MaxValue))
                {
                    logger.LogWarning("Sending the log failed ({Error}); retrying the same bytes at offset {Offset}", e.Message, Offset);
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * attempt)), cancellationToken);
                }
            }
        }
    }

    private byte[]? NextChunk(bool final) =>
        unsent ?? (TakeChunk(final) is { } text ? Encoding.UTF8.GetBytes(masker.Mask(text)) : null);

    // Whole lines only, unless the job has written a long line or nothing else for a second.
    private string? TakeChunk(bool final)
    {
        lock (gate)
        {
            if (pending.Length == 0)
            {
                return null;
            }
            var buffer = pending.GetBuffer().AsSpan(0, (int)pending.Length);
            var limit = Math.Min(buffer.Length, MaxChunk);
            var cut = buffer[..limit].LastIndexOf((byte)'\n') + 1;
            if (cut == 0 && (final || limit == MaxChunk || DateTime.UtcNow - pendingSince > TimeSpan.FromSeconds(1)))
            {
                cut = limit;
                // Never split a UTF-8 character.
                while (cut > 0 && cut < buffer.Length && (buffer[cut] & 0xC0) == 0x80)
                {
                    cut--;
                }
                cut = cut == 0 ? limit : cut;
            }
            if (cut == 0)
            {
                return null;
            }
            var text = Encoding.UTF8.GetString(buffer[..cut]);
            var rest = buffer[cut..].ToArray();
            pending.SetLength(0);
            pending.Write(rest);
            pendingSince = rest.Length > 0 ? DateTime.UtcNow : DateTime.MaxValue;
            foreach (var line in text.Split('\n'))
            {
                if (MetricLines.Parse(line) is { } metric)
                {
                    metrics.Add(metric);
                }
            }
            return text;
        }
    }
}
