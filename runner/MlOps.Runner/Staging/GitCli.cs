using System.Diagnostics;
using System.Text;

namespace MlOps.Runner.Staging;

/// <summary>
/// Fetches a repository from the server's Git HTTP with the job token (HTTP basic, as git and
/// git-lfs both honour http.extraHeader), at one commit, with its LFS files. The token is passed
/// with -c for each command, never written into the workspace's .git/config. A commit fetched
/// before on this runner is copied from the <see cref="CheckoutCache"/> instead.
/// </summary>
public sealed class GitCli(CheckoutCache cache, ILogger<GitCli> logger)
{
    public async Task CheckoutAsync(string url, string jobToken, string revision, string? fallbackRef, string directory,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var exact = Looks40Hex(revision);
        if (exact && cache.TryRestore(url, revision, directory))
        {
            return;
        }
        var auth = "http.extraHeader=Authorization: Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("mlops-job:" + jobToken));
        // No template: the sample hooks and the rest would be copied into every job restored from the cache.
        await RunAsync(directory, cancellationToken, "init", "-q", "--template=");
        // By commit first (protocol v2 serves any reachable commit); by ref when the server refuses an unadvertised one.
        if (!await TryRunAsync(directory, cancellationToken, "-c", auth, "fetch", "-q", "--depth", "1", url, revision)
            && fallbackRef is not null)
        {
            await RunAsync(directory, cancellationToken, "-c", auth, "fetch", "-q", url, fallbackRef);
        }
        await RunAsync(directory, cancellationToken, "-c", "advice.detachedHead=false", "checkout", "-q",
            Looks40Hex(revision) ? revision : "FETCH_HEAD");
        if (File.Exists(Path.Combine(directory, ".gitattributes"))
            && (await File.ReadAllTextAsync(Path.Combine(directory, ".gitattributes"), cancellationToken)).Contains("filter=lfs", StringComparison.Ordinal))
        {
            await RunAsync(directory, cancellationToken, "-c", auth, "-c", "lfs.url=" + url.TrimEnd('/') + "/info/lfs", "lfs", "pull");
        }
        if (exact)
        {
            cache.Save(url, revision, directory);
        }
    }

    private static bool Looks40Hex(string s) => s.Length == 40 && s.All(char.IsAsciiHexDigitLower);

    private async Task RunAsync(string directory, CancellationToken cancellationToken, params string[] args)
    {
        var (code, error) = await ExecAsync(directory, args, cancellationToken);
        if (code != 0)
        {
            throw new StagingException($"git {Describe(args)} failed: {error.Trim()}");
        }
    }

    private async Task<bool> TryRunAsync(string directory, CancellationToken cancellationToken, params string[] args)
    {
        var (code, error) = await ExecAsync(directory, args, cancellationToken);
        if (code != 0)
        {
            logger.LogDebug("git {Command} failed: {Error}", Describe(args), error.Trim());
        }
        return code == 0;
    }

    // The Authorization header must never reach a log or an error message.
    private static string Describe(string[] args) => string.Join(' ', args.Where(a => !a.StartsWith("http.extraHeader", StringComparison.Ordinal) && a != "-c"));

    private static async Task<(int Code, string Error)> ExecAsync(string directory, string[] args, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_LFS_SKIP_SMUDGE"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        await stdout;
        return (process.ExitCode, await stderr);
    }
}

/// <summary>The workspace could not be prepared (a fetch, a download, a checksum): the job fails with this message.</summary>
public sealed class StagingException(string message) : Exception(message);
