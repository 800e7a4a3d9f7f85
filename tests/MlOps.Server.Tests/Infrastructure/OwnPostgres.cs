using System.Diagnostics;
using System.Net.Sockets;

namespace MlOps.Server.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of the test's own (initdb, pg_ctl), for tests that stop and start the
/// database: the shared cluster of scripts/test.sh must stay up for everyone else. Like
/// scripts/lib.sh, it runs the server as `postgres` when the tests run as root.
/// </summary>
public sealed class OwnPostgres : IAsyncDisposable
{
    private readonly string data = Path.Combine(Path.GetTempPath(), "mlops-own-pg-" + Guid.NewGuid().ToString("N")[..10]);

    public int Port { get; } = FreePort();

    public string ConnectionString =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=3;Maximum Pool Size=10";

    public static async Task<OwnPostgres> StartAsync()
    {
        var cluster = new OwnPostgres();
        Directory.CreateDirectory(cluster.data);
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres", cluster.data);
        }
        await cluster.AsServerUserAsync("initdb", "-D", cluster.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
            "--locale=C.UTF-8");
        await cluster.StartAgainAsync();
        return cluster;
    }

    public Task StartAgainAsync() => AsServerUserAsync("pg_ctl", "-D", data, "-w", "-t", "60", "-l", Path.Combine(data, "server.log"),
        "-o", $"-p {Port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off", "start");

    public Task StopAsync() => AsServerUserAsync("pg_ctl", "-D", data, "-m", "fast", "-w", "stop");

    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            await StopAsync();
        }
        Directory.Delete(data, recursive: true);
    }

    private static string Bin(string tool) =>
        Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", tool)).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"PostgreSQL's {tool} was not found under /usr/lib/postgresql (scripts/test.sh installs it).");

    private Task AsServerUserAsync(string tool, params string[] args) => Environment.UserName == "root"
        ? RunAsync("runuser", ["-u", "postgres", "--", Bin(tool), .. args])
        : RunAsync(Bin(tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = "/tmp" };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
