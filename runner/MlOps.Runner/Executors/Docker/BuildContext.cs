using System.Formats.Tar;

namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// The tar archive `docker build` sends to the engine: the context directory of the checked-out
/// repository, less its `.git` (the runner's own fetch, not the operation's content) and what
/// `.dockerignore` excludes. The Dockerfile and `.dockerignore` always go, as the docker CLI does.
/// </summary>
public static class BuildContext
{
    /// <summary>Writes the archive to <paramref name="tarPath"/>; answers how many files and bytes went in.</summary>
    public static async Task<(int Files, long Bytes)> WriteAsync(string contextDirectory, string dockerfile, string tarPath,
        CancellationToken cancellationToken)
    {
        var ignore = DockerIgnore.Read(contextDirectory);
        var files = 0;
        long bytes = 0;
        await using var stream = File.Create(tarPath);
        await using var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: false);
        var pending = new Stack<string>();
        pending.Push(contextDirectory);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                var relative = Path.GetRelativePath(contextDirectory, entry.FullName).Replace('\\', '/');
                if (relative == ".git")
                {
                    continue;
                }
                var kept = relative == dockerfile || relative == ".dockerignore" || !ignore.Excludes(relative);
                var isDirectory = entry is DirectoryInfo && entry.LinkTarget is null;
                if (isDirectory && (kept || ignore.HasExceptions))
                {
                    // An excluded directory is still walked when a '!' pattern may take something inside it back.
                    pending.Push(entry.FullName);
                }
                if (!kept)
                {
                    continue;
                }
                await writer.WriteEntryAsync(entry.FullName, relative, cancellationToken);
                if (!isDirectory)
                {
                    files++;
                    bytes += entry is FileInfo { LinkTarget: null } file ? file.Length : 0;
                }
            }
        }
        return (files, bytes);
    }
}
