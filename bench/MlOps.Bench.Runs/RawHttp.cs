using System.Net.Sockets;
using System.Text;

/// <summary>
/// The load generator's side of one keep-alive HTTP/1.1 connection, written out by hand: the
/// request's bytes are laid out once and only the key changes, and the answer is read as far as
/// its status and the end of its body (Content-Length or chunked), which is kept only when asked for. HttpClient spent about a
/// quarter of a millisecond of CPU per request, on the same two cores as the server it measures;
/// GitLab's deliveries come from another machine.
/// </summary>
sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly byte[] buffer = new byte[16 * 1024];
    private int start, end;

    private RawHttpConnection(Socket socket) => this.socket = socket;

    public static async Task<RawHttpConnection> OpenAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port);
        return new RawHttpConnection(socket);
    }

    /// <summary>Sends the request and returns the answer's status code once its body has been read (and dropped).</summary>
    public async Task<int> SendAsync(ReadOnlyMemory<byte> request) => (await ExchangeAsync(request, keep: false)).Status;

    /// <summary>Sends the request; the answer's status code and body.</summary>
    public async Task<(int Status, byte[] Body)> SendAndReadAsync(ReadOnlyMemory<byte> request) => await ExchangeAsync(request, keep: true);

    private async Task<(int Status, byte[] Body)> ExchangeAsync(ReadOnlyMemory<byte> request, bool keep)
    {
        var body = keep ? new MemoryStream() : null;
        while (!request.IsEmpty)
        {
            var sent = await socket.SendAsync(request, SocketFlags.None);
            request = request[sent..];
        }
        var headerEnd = await FillUntilAsync("\r\n\r\n"u8.ToArray());
        var head = Encoding.ASCII.GetString(buffer, start, headerEnd - start);
        start = headerEnd + 4;
        var status = int.Parse(head.AsSpan(9, 3));
        var length = Header(head, "content-length");
        if (length is not null)
        {
            await SkipAsync(int.Parse(length), body);
        }
        else if (Header(head, "transfer-encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            while (true)
            {
                var lineEnd = await FillUntilAsync("\r\n"u8.ToArray());
                var size = Convert.ToInt32(Encoding.ASCII.GetString(buffer, start, lineEnd - start).Split(';')[0], 16);
                start = lineEnd + 2;
                await SkipAsync(size, body);
                await SkipAsync(2, null);
                if (size == 0)
                {
                    break;
                }
            }
        }
        return (status, body?.ToArray() ?? []);
    }

    private static string? Header(string head, string name)
    {
        foreach (var line in head.Split("\r\n"))
        {
            var colon = line.IndexOf(':');
            if (colon > 0 && line.AsSpan(0, colon).Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return line[(colon + 1)..].Trim();
            }
        }
        return null;
    }

    /// <summary>Reads until <paramref name="marker"/> is buffered; its position.</summary>
    private async Task<int> FillUntilAsync(byte[] marker)
    {
        while (true)
        {
            var at = buffer.AsSpan(start, end - start).IndexOf(marker);
            if (at >= 0)
            {
                return start + at;
            }
            await ReadMoreAsync();
        }
    }

    /// <summary>Consumes <paramref name="count"/> bytes, copying them to <paramref name="keep"/> when given.</summary>
    private async Task SkipAsync(int count, MemoryStream? keep)
    {
        while (end - start < count)
        {
            keep?.Write(buffer, start, end - start);
            count -= end - start;
            start = end;
            await ReadMoreAsync();
        }
        keep?.Write(buffer, start, count);
        start += count;
    }

    private async Task ReadMoreAsync()
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buffer.Length)
        {
            throw new InvalidOperationException("An answer's head does not fit the buffer.");
        }
        var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }
        end += read;
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
