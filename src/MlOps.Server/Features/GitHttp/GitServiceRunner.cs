using System.Diagnostics;
using MlOps.Server.Git;

namespace MlOps.Server.Features.GitHttp;

/// <summary>
/// Runs `git upload-pack` / `git receive-pack --stateless-rpc` and streams between the HTTP
/// request/response and the process, so a pack is never held in memory whatever its size.
/// </summary>
public sealed class GitServiceRunner(ILogger<GitServiceRunner> logger)
{
    private const int BufferSize = 64 * 1024;

    /// <summary>
    /// Streams <paramref name="prefix"/> then <paramref name="input"/> into the process and its
    /// stdout into <paramref name="output"/>. With <paramref name="capture"/>, stdout is also copied
    /// there (receive-pack's output is a short report, never a pack).
    /// </summary>
    public async Task<int> RunAsync(string service, string repositoryPath, bool advertiseRefs, IDictionary<string, string> environment,
        byte[]? prefix, Stream? input, Stream output, MemoryStream? capture, CancellationToken cancellationToken)
    {
        // Receive-pack would start `git gc --auto` after every push, before the client hears
        // back; RepositoryHousekeeping does that work in the background instead.
        var args = service == "receive-pack" ? new List<string> { "-c", "receive.autogc=false" } : [];
        args.AddRange([service, "--stateless-rpc"]);
        if (advertiseRefs)
        {
            args.Add("--advertise-refs");
        }
        args.Add(repositoryPath);
        var info = GitProcess.StartInfo(null, [.. args]);
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start git.");
        // A client that goes away must not leave a git process behind holding locks.
        await using var kill = cancellationToken.Register(() => Kill(process));
        var stderr = ReadStderrAsync(process);
        var stdin = FeedAsync(process, prefix, input, cancellationToken);
        try
        {
            var stdout = process.StandardOutput.BaseStream;
            var buffer = new byte[BufferSize];
            int read;
            while ((read = await stdout.ReadAsync(buffer, cancellationToken)) > 0)
            {
                // Kestrel sends each write at once (buffering is off), so progress reaches the client live.
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                if (capture is not null && capture.Length < 4 * 1024 * 1024)
                {
                    capture.Write(buffer, 0, read);
                }
            }
            await stdin;
            await process.WaitForExitAsync(cancellationToken);
        }
        catch
        {
            Kill(process);
            throw;
        }
        var errors = await stderr;
        if (process.ExitCode != 0)
        {
            logger.LogInformation("git {Service} exited with {ExitCode}: {Stderr}", service, process.ExitCode, errors);
        }
        return process.ExitCode;
    }

    private static async Task FeedAsync(Process process, byte[]? prefix, Stream? input, CancellationToken cancellationToken)
    {
        var stdin = process.StandardInput.BaseStream;
        try
        {
            if (prefix is not null)
            {
                await stdin.WriteAsync(prefix, cancellationToken);
            }
            if (input is not null)
            {
                await input.CopyToAsync(stdin, BufferSize, cancellationToken);
            }
        }
        catch (IOException)
        {
            // git stopped reading (it found an error and exited); its exit code and output say why.
        }
        finally
        {
            try
            {
                stdin.Close();
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<string> ReadStderrAsync(Process process)
    {
        // Keep only the start: it is for the log, and a chatty process must not grow memory.
        var buffer = new char[8192];
        var text = new System.Text.StringBuilder();
        int read;
        while ((read = await process.StandardError.ReadAsync(buffer)) > 0)
        {
            if (text.Length < 16384)
            {
                text.Append(buffer, 0, read);
            }
        }
        return text.ToString();
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
