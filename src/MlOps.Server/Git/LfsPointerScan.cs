using System.Globalization;
using System.Text;

namespace MlOps.Server.Git;

/// <summary>
/// Finds the LFS objects that commits refer to: every blob small enough to be a pointer, among the
/// objects `git rev-list --objects` walks, is read and parsed. Used after an accepted push (what
/// the new commits bring) and by housekeeping (what any ref reaches).
/// </summary>
public static class LfsPointerScan
{
    /// <summary>
    /// The oids of LFS pointers in objects reachable from <paramref name="tips"/> but not from
    /// <paramref name="exclude"/>; with <paramref name="tips"/> null, reachable from any ref.
    /// </summary>
    public static async Task<IReadOnlySet<string>> OidsAsync(string repositoryPath, IEnumerable<string>? tips,
        IEnumerable<string> exclude, CancellationToken cancellationToken)
    {
        // Revisions go through stdin: a push may move thousands of refs.
        var revisions = new StringBuilder();
        foreach (var tip in tips ?? [])
        {
            revisions.Append(tip).Append('\n');
        }
        foreach (var sha in exclude)
        {
            revisions.Append('^').Append(sha).Append('\n');
        }
        string[] args = tips is null
            ? ["rev-list", "--objects", "--no-object-names", "--all"]
            : ["rev-list", "--objects", "--no-object-names", "--stdin"];
        if (tips is not null && revisions.Length == 0)
        {
            return new HashSet<string>();
        }
        var objects = await RunAsync(repositoryPath, tips is null ? "" : revisions.ToString(), args, cancellationToken);

        var checks = await RunAsync(repositoryPath, Encoding.ASCII.GetString(objects),
            ["cat-file", "--batch-check=%(objecttype) %(objectname) %(objectsize)"], cancellationToken);
        var candidates = new StringBuilder();
        foreach (var line in Encoding.ASCII.GetString(checks).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "blob" && long.TryParse(parts[2], CultureInfo.InvariantCulture, out var size)
                && size <= LfsPointer.MaxSize)
            {
                candidates.Append(parts[1]).Append('\n');
            }
        }
        if (candidates.Length == 0)
        {
            return new HashSet<string>();
        }
        var contents = await RunAsync(repositoryPath, candidates.ToString(), ["cat-file", "--batch"], cancellationToken);
        return Parse(contents);
    }

    /// <summary>Reads `git cat-file --batch` output: a header `sha type size`, the bytes, a newline.</summary>
    private static HashSet<string> Parse(byte[] batch)
    {
        var oids = new HashSet<string>(StringComparer.Ordinal);
        var position = 0;
        while (position < batch.Length)
        {
            var end = Array.IndexOf(batch, (byte)'\n', position);
            if (end < 0)
            {
                break;
            }
            var header = Encoding.ASCII.GetString(batch, position, end - position).Split(' ');
            position = end + 1;
            if (header.Length != 3 || !int.TryParse(header[2], CultureInfo.InvariantCulture, out var size))
            {
                continue;
            }
            if (LfsPointer.Parse(Encoding.UTF8.GetString(batch, position, Math.Min(size, batch.Length - position))) is { } pointer)
            {
                oids.Add(pointer.Oid);
            }
            position += size + 1;
        }
        return oids;
    }

    private static async Task<byte[]> RunAsync(string repositoryPath, string input, string[] args, CancellationToken cancellationToken)
    {
        using var process = System.Diagnostics.Process.Start(GitProcess.StartInfo(repositoryPath, args))!;
        var output = new MemoryStream();
        var reading = process.StandardOutput.BaseStream.CopyToAsync(output, cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await reading;
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {args[0]} failed ({process.ExitCode}): {await stderr}");
        }
        return output.ToArray();
    }
}
