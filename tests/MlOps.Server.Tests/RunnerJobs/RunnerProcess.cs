using System.Diagnostics;
using System.Text;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>
/// The real runner (MlOps.Runner.dll, built beside the tests) as a separate process, configured by
/// environment like an operator would, so that it can be killed with SIGKILL mid-job.
/// </summary>
public sealed class RunnerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    public RunnerProcess(Uri server, string tag, string executor, IDictionary<string, string>? extra = null)
    {
        Name = "runner-" + Guid.NewGuid().ToString("N")[..8];
        Directory = Path.Combine(Path.GetTempPath(), "mlops-runner-" + Name);
        System.IO.Directory.CreateDirectory(Directory);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(RunnerDll);
        start.Environment["MLOPS_URL"] = server.ToString();
        start.Environment["MLOPS_REGISTRATION_TOKEN"] = RunnerServer.RegistrationToken;
        start.Environment["MLOPS_RUNNER_NAME"] = Name;
        start.Environment["MLOPS_RUNNER_TAGS"] = tag;
        start.Environment["MLOPS_RUNNER_CONFIG"] = Path.Combine(Directory, "runner.json");
        start.Environment["MLOPS_RUNNER_EXECUTOR"] = executor;
        start.Environment["MLOPS_RUNNER_BUILDS_DIR"] = Path.Combine(Directory, "builds");
        start.Environment["MLOPS_RUNNER_SHUTDOWN_GRACE"] = "00:00:05";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    /// <summary>
    /// The runner as its own project built it (with its own dependencies; the copy beside the tests
    /// resolves against the test host's). Same configuration as the tests: bin/Release or bin/Debug.
    /// </summary>
    public static string RunnerDll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            var configuration = dir.Parent!.Name;
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MlOps.sln")))
            {
                dir = dir.Parent;
            }
            return Path.Combine(dir!.FullName, "runner", "MlOps.Runner", "bin", configuration, "net10.0", "MlOps.Runner.dll");
        }
    }

    public string Directory { get; }

    public int Pid => process.Id;

    public string Output
    {
        get { lock (output) return output.ToString(); }
    }

    /// <summary>SIGKILL: the runner gets no chance to hand anything back.</summary>
    public void KillHard() => process.Kill(entireProcessTree: false);

    /// <summary>SIGTERM, as systemd or docker stop send it; waits for the runner to exit.</summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(within);
        await process.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
