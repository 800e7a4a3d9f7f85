using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MlOps.Server.Features.GitHttp;

/// <summary>A pkt-line that does not follow the protocol; the push is refused before git sees it.</summary>
public sealed class MalformedPktLineException(string message) : Exception(message);

/// <summary>One ref update a client asks for: `&lt;old&gt; &lt;new&gt; &lt;ref&gt;`.</summary>
public sealed record RefUpdate(string Before, string After, string Ref)
{
    public bool IsDelete => After.All(c => c == '0');
}

/// <summary>
/// Git's pkt-line framing: four hex digits of length (including themselves), then the payload;
/// `0000` is a flush. See gitprotocol-common(5).
/// </summary>
public static partial class PktLine
{
    public const int MaxLength = 65520;

    [GeneratedRegex("^(?<old>[0-9a-f]{40}|[0-9a-f]{64}) (?<new>[0-9a-f]{40}|[0-9a-f]{64}) (?<ref>refs/[^\\x00-\\x20\\x7f~^:?*\\[\\\\]+)$")]
    private static partial Regex CommandPattern();

    [GeneratedRegex("^shallow [0-9a-f]{40}([0-9a-f]{24})?$")]
    private static partial Regex ShallowPattern();

    /// <summary>
    /// Reads the command list at the start of a receive-pack request, up to its flush. Returns the
    /// exact bytes read (to replay into receive-pack), the updates, and the client's capabilities.
    /// </summary>
    public static async Task<(byte[] Raw, List<RefUpdate> Updates, string[] Capabilities)> ReadCommandsAsync(Stream input,
        int maxBytes, CancellationToken cancellationToken)
    {
        var raw = new MemoryStream();
        var updates = new List<RefUpdate>();
        string[] capabilities = [];
        var header = new byte[4];
        while (true)
        {
            if (!await ReadExactlyOrEndAsync(input, header, cancellationToken))
            {
                throw new MalformedPktLineException(raw.Length == 0
                    ? "The push request is empty."
                    : "The push request ended before the flush-pkt that closes its command list.");
            }
            raw.Write(header);
            var length = ParseLength(header);
            if (length == 0)
            {
                break;
            }
            if (raw.Length + length > maxBytes)
            {
                throw new MalformedPktLineException($"The push's command list is larger than {maxBytes} bytes.");
            }
            var payload = new byte[length - 4];
            if (!await ReadExactlyOrEndAsync(input, payload, cancellationToken))
            {
                throw new MalformedPktLineException("A pkt-line is shorter than its length says.");
            }
            raw.Write(payload);
            var line = Encoding.UTF8.GetString(payload).TrimEnd('\n');
            if (updates.Count == 0)
            {
                var nul = line.IndexOf('\0');
                if (nul >= 0)
                {
                    capabilities = line[(nul + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    line = line[..nul];
                }
            }
            if (ShallowPattern().IsMatch(line))
            {
                continue;
            }
            var match = CommandPattern().Match(line);
            if (!match.Success)
            {
                throw new MalformedPktLineException($"Malformed ref update command: '{Printable(line)}'.");
            }
            updates.Add(new RefUpdate(match.Groups["old"].Value, match.Groups["new"].Value, match.Groups["ref"].Value));
        }
        return (raw.ToArray(), updates, capabilities);
    }

    /// <summary>The length in a pkt-line header; 0 for flush. Throws on anything else invalid.</summary>
    public static int ParseLength(ReadOnlySpan<byte> header)
    {
        if (!int.TryParse(Encoding.ASCII.GetString(header), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var length)
            || header.IndexOfAnyExcept("0123456789abcdefABCDEF"u8) >= 0)
        {
            throw new MalformedPktLineException($"Malformed pkt-line header '{Printable(Encoding.ASCII.GetString(header))}'.");
        }
        if (length is 1 or 2 or 3 || length > MaxLength)
        {
            throw new MalformedPktLineException($"Invalid pkt-line length {length}.");
        }
        return length;
    }

    public static byte[] Encode(string payload)
    {
        var bytes = Encoding.UTF8.GetBytes(payload);
        var result = new byte[bytes.Length + 4];
        Encoding.ASCII.GetBytes((bytes.Length + 4).ToString("x4", CultureInfo.InvariantCulture), result);
        bytes.CopyTo(result, 4);
        return result;
    }

    public static readonly byte[] Flush = "0000"u8.ToArray();

    /// <summary>
    /// The refs that receive-pack reports as updated (`ok &lt;ref&gt;`), read from its whole
    /// output; with side-band the report is inside band 1.
    /// </summary>
    public static HashSet<string> ParseReportStatus(ReadOnlySpan<byte> output, bool sideBand)
    {
        var report = sideBand ? Demultiplex(output) : output.ToArray();
        var ok = new HashSet<string>(StringComparer.Ordinal);
        foreach (var payload in Frames(report))
        {
            var line = Encoding.UTF8.GetString(payload).TrimEnd('\n');
            if (line.StartsWith("ok ", StringComparison.Ordinal))
            {
                ok.Add(line[3..]);
            }
        }
        return ok;
    }

    private static byte[] Demultiplex(ReadOnlySpan<byte> output)
    {
        var band1 = new MemoryStream();
        foreach (var payload in Frames(output.ToArray()))
        {
            if (payload.Length > 0 && payload[0] == 1)
            {
                band1.Write(payload, 1, payload.Length - 1);
            }
        }
        return band1.ToArray();
    }

    private static IEnumerable<byte[]> Frames(byte[] data)
    {
        var position = 0;
        while (position + 4 <= data.Length)
        {
            int length;
            try
            {
                length = ParseLength(data.AsSpan(position, 4));
            }
            catch (MalformedPktLineException)
            {
                yield break;
            }
            if (length == 0)
            {
                position += 4;
                continue;
            }
            if (position + length > data.Length)
            {
                yield break;
            }
            yield return data[(position + 4)..(position + length)];
            position += length;
        }
    }

    private static async Task<bool> ReadExactlyOrEndAsync(Stream input, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = await input.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
        if (read == 0)
        {
            return false;
        }
        if (read < buffer.Length)
        {
            throw new MalformedPktLineException("The push request was cut off in the middle of a pkt-line.");
        }
        return true;
    }

    private static string Printable(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return clean.Length > 80 ? clean[..80] + "…" : clean;
    }
}
