using System.Diagnostics;
using System.Formats.Tar;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>
/// Test images built locally (no registry is reachable): a busybox root filesystem — the static
/// /bin/busybox and a link per applet — imported with `docker import`, in about a second.
/// </summary>
public static class DockerImages
{
    public const string Busybox = "mlops-test/busybox:1";
    private static readonly SemaphoreSlim Once = new(1, 1);
    private static bool built;

    public static async Task EnsureBusyboxAsync()
    {
        await Once.WaitAsync();
        try
        {
            if (built || await RunAsync("docker", ["image", "inspect", Busybox], null) == 0)
            {
                built = true;
                return;
            }
            using var tar = new MemoryStream();
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                foreach (var dir in new[] { "bin/", "tmp/", "workspace/" })
                {
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = (UnixFileMode)0b111_111_111 });
                }
                var busybox = new PaxTarEntry(TarEntryType.RegularFile, "bin/busybox")
                {
                    Mode = (UnixFileMode)0b111_101_101, DataStream = File.OpenRead("/bin/busybox"),
                };
                await writer.WriteEntryAsync(busybox);
                foreach (var applet in new[] { "sh", "echo", "cat", "sleep", "head", "mkdir", "sha256sum", "wc", "test", "seq", "true", "ls" })
                {
                    await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}") { LinkName = "busybox" });
                }
            }
            tar.Position = 0;
            var code = await RunAsync("docker", ["import", "-c", "ENV PATH=/bin", "-", Busybox], tar);
            Assert.True(code == 0, "docker import of the busybox image failed");
            built = true;
        }
        finally
        {
            Once.Release();
        }
    }

    public static async Task<int> RunAsync(string file, string[] args, Stream? stdin)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardInput = stdin is not null, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            await stdin.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
        }
        await process.WaitForExitAsync();
        await output;
        await error;
        return process.ExitCode;
    }

    public static async Task<string> OutputAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
