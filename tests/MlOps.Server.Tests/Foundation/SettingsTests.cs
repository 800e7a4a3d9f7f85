using System.Diagnostics;
using System.Security.Cryptography;

namespace MlOps.Server.Tests.Foundation;

/// <summary>Settings are checked when the server starts, not when a request first needs them.</summary>
public sealed class SettingsTests : IDisposable
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "mlops-settings-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task ServerProcess_HexSecretKey_StopsWithOneLineNamingTheVariable()
    {
        var hexKey = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

        var (exitCode, stdout, stderr) = await RunServerAsync(new Dictionary<string, string>
        {
            ["MLOPS_SECRET_KEY"] = hexKey,
            ["MLOPS_DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing",
            ["MLOPS_DATA_DIR"] = dataDir,
        });

        Assert.Equal(1, exitCode);
        Assert.Equal("mlops: cannot start: MLOPS_SECRET_KEY (Secrets:MasterKey) decodes to 48 bytes, not 32: it must be 32 random "
            + "bytes in base64; make one with: openssl rand -base64 32\n", stderr);
        Assert.DoesNotContain(hexKey, stdout + stderr);
        Assert.False(File.Exists(Path.Combine(dataDir, "secret.key")));
    }

    [Fact]
    public async Task ServerProcess_NoDatabaseAndShortAdminToken_NamesBoth()
    {
        var (exitCode, _, stderr) = await RunServerAsync(new Dictionary<string, string>
        {
            ["MLOPS_ADMIN_TOKEN"] = "short",
            ["MLOPS_DATA_DIR"] = dataDir,
        });

        Assert.Equal(1, exitCode);
        Assert.Contains("mlops: cannot start: MLOPS_DATABASE_URL (Database:ConnectionString) is not set", stderr);
        Assert.Contains("mlops: cannot start: MLOPS_ADMIN_TOKEN (Bootstrap:AdminToken) must be at least 20 characters", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public async Task ServerProcess_DamagedSecretKeyFile_NamesTheFile()
    {
        Directory.CreateDirectory(dataDir);
        await File.WriteAllTextAsync(Path.Combine(dataDir, "secret.key"), "c2hvcnQ=");

        var (exitCode, _, stderr) = await RunServerAsync(new Dictionary<string, string>
        {
            ["MLOPS_DATABASE_URL"] = "Host=127.0.0.1;Port=1;Username=nobody;Database=nothing",
            ["MLOPS_DATA_DIR"] = dataDir,
        });

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"mlops: cannot start: {Path.Combine(dataDir, "secret.key")} decodes to 5 bytes, not 32: restore it from a backup",
            stderr);
    }

    [Fact]
    public Task Start_NoSecretKey_MakesAPrivateKeyFileBeforeTheFirstRequest() => WithServerAsync(new(), async server =>
    {
        var path = Path.Combine(server.DataDir, "secret.key");
        Assert.False(File.Exists(path));

        using var client = server.Anonymous();

        Assert.Equal(32, Convert.FromBase64String(await File.ReadAllTextAsync(path)).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    });

    private sealed class ServerWith(IDictionary<string, string?> settings) : MlOpsServer
    {
        protected override IDictionary<string, string?> ExtraSettings => settings;
    }

    private static async Task WithServerAsync(Dictionary<string, string?> settings, Func<MlOpsServer, Task> test)
    {
        IAsyncLifetime server = new ServerWith(settings);
        await server.InitializeAsync();
        try
        {
            await test((MlOpsServer)server);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    /// <summary>The built server as operators start it, `dotnet MlOps.Server.dll`, with only the given variables.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr)> RunServerAsync(Dictionary<string, string> variables)
    {
        Directory.CreateDirectory(dataDir);
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = dataDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(typeof(Program).Assembly.Location);
        info.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("MLOPS_", StringComparison.Ordinal)
                     || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }
        foreach (var (key, value) in variables)
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The server kept running: " + await stdout + await stderr);
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
