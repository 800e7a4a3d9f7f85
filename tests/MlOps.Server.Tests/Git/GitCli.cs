using System.Diagnostics;

namespace MlOps.Server.Tests.Git;

public sealed record GitResult(int ExitCode, string Stdout, string Stderr)
{
    public string Output => Stdout + Stderr;
}

/// <summary>
/// The real `git` (and `git-lfs`) command-line clients in a scratch folder, isolated from the
/// machine's Git configuration and never prompting for credentials.
/// </summary>
public sealed class GitCli : IDisposable
{
    public GitCli()
    {
        Root = Path.Combine(Path.GetTempPath(), "mlops-git-" + Guid.NewGuid().ToString("N")[..12]);
        Home = Path.Combine(Root, "home");
        Directory.CreateDirectory(Home);
        File.WriteAllText(Path.Combine(Home, ".gitconfig"), """
            [user]
                name = Test User
                email = test@example.com
            [init]
                defaultBranch = main
            [filter "lfs"]
                clean = git-lfs clean -- %f
                smudge = git-lfs smudge -- %f
                process = git-lfs filter-process
                required = true
            [lfs]
                locksverify = false
            """);
    }

    public string Root { get; }

    private string Home { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>An authenticated remote URL: HTTP basic with the token as password.</summary>
    public static string Url(Uri server, string repository, string? user = null, string? token = null) =>
        token is null
            ? $"{server.ToString().TrimEnd('/')}/{repository}.git"
            : $"{server.Scheme}://{Uri.EscapeDataString(user ?? "token")}:{Uri.EscapeDataString(token)}@{server.Authority}/{repository}.git";

    public async Task<GitResult> RunAsync(string? directory, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory is null ? Root : PathOf(directory),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = Home;
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["GIT_ASKPASS"] = "/bin/false";
        info.Environment["GIT_LFS_SKIP_PUSH_PRE_CHECK"] = "1";
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return new GitResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs git and fails the test with its output when it fails.</summary>
    public async Task<string> OkAsync(string? directory, params string[] args)
    {
        var result = await RunAsync(directory, args);
        Assert.True(result.ExitCode == 0, $"git {string.Join(' ', args)} failed ({result.ExitCode}):\n{result.Output}");
        return result.Stdout.Trim();
    }

    /// <summary>A new working copy with one commit on main, whose file holds <paramref name="content"/>.</summary>
    public async Task<string> InitAsync(string name, string content = "hello\n")
    {
        Directory.CreateDirectory(PathOf(name));
        await OkAsync(name, "init", "-q");
        await File.WriteAllTextAsync(Path.Combine(PathOf(name), "README.md"), content);
        await OkAsync(name, "add", ".");
        await OkAsync(name, "commit", "-q", "-m", "first");
        return name;
    }

    public async Task<string> CommitAsync(string directory, string file, string content, string message)
    {
        var path = Path.Combine(PathOf(directory), file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, content);
        await OkAsync(directory, "add", ".");
        await OkAsync(directory, "commit", "-q", "-m", message);
        return await OkAsync(directory, "rev-parse", "HEAD");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
