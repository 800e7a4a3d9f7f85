using System.Diagnostics;

namespace MlOps.Server.Git;

/// <summary>Runs short `git` commands (init, config) where the CLI is simpler than LibGit2Sharp.</summary>
public static class GitProcess
{
    public static ProcessStartInfo StartInfo(string? workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("git")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        // Never read the server account's own Git configuration, and never prompt.
        info.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        info.Environment["GIT_TERMINAL_PROMPT"] = "0";
        info.Environment["HOME"] = Path.GetTempPath();
        return info;
    }

    /// <summary>Runs git to completion; throws with its stderr when it fails.</summary>
    public static async Task<string> RunAsync(string? workingDirectory, CancellationToken cancellationToken, params string[] args)
    {
        using var process = Process.Start(StartInfo(workingDirectory, args))!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}");
        }
        return await stdout;
    }
}
