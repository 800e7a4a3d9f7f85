using System.Text;
using MlOps.Server.Features.GitHttp;

namespace MlOps.Server.Tests.Git;

public sealed class PktLineTests
{
    private const string Old = "1111111111111111111111111111111111111111";
    private const string New = "2222222222222222222222222222222222222222";

    private static MemoryStream Stream(params string[] lines) =>
        new(Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l == "0000" ? l : $"{l.Length + 4:x4}{l}"))));

    [Fact]
    public async Task ReadCommands_CommandsWithCapabilities_ParsesUpdatesAndKeepsTheRawBytes()
    {
        var input = Stream($"{Old} {New} refs/heads/main\0report-status side-band-64k agent=git/2\n", $"{New} {new string('0', 40)} refs/heads/old\n",
            "0000");
        var expected = input.ToArray();
        input = new MemoryStream([.. expected, .. "PACK"u8.ToArray()]);

        var (raw, updates, capabilities) = await PktLine.ReadCommandsAsync(input, 1 << 20, CancellationToken.None);

        Assert.Equal(expected, raw);
        Assert.Equal([new RefUpdate(Old, New, "refs/heads/main"), new RefUpdate(New, new string('0', 40), "refs/heads/old")], updates);
        Assert.True(updates[1].IsDelete);
        Assert.Contains("side-band-64k", capabilities);
        Assert.Equal('P', (char)input.ReadByte());
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("00", "cut off")]
    [InlineData("xyz1", "Malformed pkt-line header")]
    [InlineData("0002", "Invalid pkt-line length 2")]
    [InlineData("fff1", "Invalid pkt-line length")]
    [InlineData("0009abc", "cut off")]
    [InlineData("0009", "shorter")]
    [InlineData("0009abcde", "Malformed ref update")]
    public async Task ReadCommands_Malformed_ThrowsWithAClearMessage(string input, string message)
    {
        var error = await Assert.ThrowsAsync<MalformedPktLineException>(() =>
            PktLine.ReadCommandsAsync(new MemoryStream(Encoding.ASCII.GetBytes(input)), 1 << 20, CancellationToken.None));

        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task ReadCommands_RefWithSpaceOrTraversalCharacters_Refused()
    {
        await Assert.ThrowsAsync<MalformedPktLineException>(() =>
            PktLine.ReadCommandsAsync(Stream($"{Old} {New} refs/heads/a b\n", "0000"), 1 << 20, CancellationToken.None));
        await Assert.ThrowsAsync<MalformedPktLineException>(() =>
            PktLine.ReadCommandsAsync(Stream($"{Old} {New} HEAD\n", "0000"), 1 << 20, CancellationToken.None));
    }

    [Fact]
    public void ParseReportStatus_SideBand_ReturnsOnlyTheRefsReportedOk()
    {
        var report = PktLine.Encode("unpack ok\n").Concat(PktLine.Encode("ok refs/heads/main\n"))
            .Concat(PktLine.Encode("ng refs/heads/x pre-receive hook declined\n")).Concat(PktLine.Flush).ToArray();
        var banded = new MemoryStream();
        banded.Write(PktLine.Encode("\u0002remote: progress\n"));
        banded.Write(Band1(report));
        banded.Write(PktLine.Flush);

        var ok = PktLine.ParseReportStatus(banded.ToArray(), sideBand: true);

        Assert.Equal(["refs/heads/main"], ok);
    }

    private static byte[] Band1(byte[] data)
    {
        var payload = new byte[data.Length + 1];
        payload[0] = 1;
        data.CopyTo(payload, 1);
        var result = new byte[payload.Length + 4];
        Encoding.ASCII.GetBytes($"{result.Length:x4}", result);
        payload.CopyTo(result, 4);
        return result;
    }
}
