using LibGit2Sharp;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Repositories;

/// <summary>
/// Reads a local bare repository with LibGit2Sharp. Walks run on the thread pool (Task.Run):
/// libgit2 calls block, and a long history must not hold up the request threads.
/// </summary>
public sealed class RepositoryBrowser
{
    public Task<IReadOnlyList<(string Name, CommitResponse Commit)>> BranchesAsync(string path) => Read(path, repo =>
        (IReadOnlyList<(string, CommitResponse)>)repo.Branches.Where(b => !b.IsRemote && b.Tip is not null)
            .OrderBy(b => b.FriendlyName, StringComparer.Ordinal)
            .Select(b => (b.FriendlyName, ToResponse(b.Tip))).ToList());

    public Task<string?> HeadBranchAsync(string path) => Read(path, repo =>
        repo.Refs.Head?.TargetIdentifier is { } target && target.StartsWith("refs/heads/", StringComparison.Ordinal)
            ? target["refs/heads/".Length..]
            : null);

    public Task<IReadOnlyList<TagResponse>> TagsAsync(string path) => Read(path, repo =>
        (IReadOnlyList<TagResponse>)repo.Tags.Where(t => t.PeeledTarget is Commit)
            .OrderBy(t => t.FriendlyName, StringComparer.Ordinal)
            .Select(t => new TagResponse(t.FriendlyName, t.Annotation?.Message, t.Target.Sha, ToResponse((Commit)t.PeeledTarget)))
            .ToList());

    /// <summary>Commits reachable from <paramref name="refName"/>, newest first; one more than asked when a next page exists.</summary>
    public Task<IReadOnlyList<CommitResponse>?> CommitsAsync(string path, string refName, int skip, int take) => Read(path, repo =>
    {
        var start = Resolve(repo, refName);
        if (start is null)
        {
            return null;
        }
        var filter = new CommitFilter { IncludeReachableFrom = start, SortBy = CommitSortStrategies.Time | CommitSortStrategies.Topological };
        return (IReadOnlyList<CommitResponse>?)repo.Commits.QueryBy(filter).Skip(skip).Take(take).Select(ToResponse).ToList();
    });

    public Task<CommitResponse?> CommitAsync(string path, string refName) => Read(path, repo =>
        Resolve(repo, refName) is { } commit ? ToResponse(commit) : null);

    /// <summary>The entries of the directory at <paramref name="treePath"/>; null when the ref or the directory does not exist.</summary>
    public Task<IReadOnlyList<TreeEntryResponse>?> TreeAsync(string path, string refName, string treePath) => Read(path, repo =>
    {
        var commit = Resolve(repo, refName);
        var tree = commit is null ? null : treePath.Length == 0 ? commit.Tree : commit.Tree[treePath]?.Target as Tree;
        return (IReadOnlyList<TreeEntryResponse>?)tree?.Select(e => new TreeEntryResponse(e.Target.Sha, e.Name,
            e.TargetType switch { TreeEntryTargetType.Tree => "tree", TreeEntryTargetType.GitLink => "commit", _ => "blob" },
            treePath.Length == 0 ? e.Name : $"{treePath}/{e.Name}",
            Convert.ToString((int)e.Mode, 8).PadLeft(6, '0'),
            (e.Target as Blob)?.Size, e.Target is Blob blob ? PointerIn(blob) : null)).ToList();
    });

    // Only small blobs can be pointers, so a directory of large files costs no reads.
    private static LfsPointer? PointerIn(Blob blob) =>
        blob.Size <= LfsPointer.MaxSize ? LfsPointer.Parse(blob.GetContentText()) : null;

    /// <summary>Files up to this size are read in one piece; larger ones are streamed by `git cat-file`.</summary>
    public const int InlineLimit = 1024 * 1024;

    /// <summary>
    /// A file at a ref: its bytes when small, else its blob id to stream (null when missing); the
    /// LFS pointer instead when <paramref name="resolveLfs"/> is set and the file is one.
    /// </summary>
    public Task<(bool Found, LfsPointer? Pointer, byte[]? Content, string? LargeBlob)> FileAsync(string path, string refName,
        string filePath, bool resolveLfs) => Read(path, repo =>
    {
        var commit = Resolve(repo, refName);
        if (commit?.Tree[filePath]?.Target is not Blob blob)
        {
            return (false, (LfsPointer?)null, (byte[]?)null, (string?)null);
        }
        if (resolveLfs && blob.Size <= LfsPointer.MaxSize && LfsPointer.Parse(blob.GetContentText()) is { } pointer)
        {
            return (true, pointer, null, null);
        }
        if (blob.Size > InlineLimit)
        {
            return (true, null, null, blob.Sha);
        }
        using var stream = blob.GetContentStream();
        var content = new MemoryStream((int)blob.Size);
        stream.CopyTo(content);
        return (true, null, content.ToArray(), null);
    });

    /// <summary>Streams a blob's bytes from `git cat-file`, so a large file is never held in memory.</summary>
    public static async Task StreamBlobAsync(string path, string sha, Stream output, CancellationToken cancellationToken)
    {
        using var process = System.Diagnostics.Process.Start(GitProcess.StartInfo(path, "cat-file", "blob", sha))!;
        await using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.BaseStream.CopyToAsync(output, 1 << 16, cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"git cat-file failed: {await stderr}");
        }
    }

    private static Commit? Resolve(Repository repo, string refName)
    {
        // A revision expression could name anything; peel to the commit it means, if any.
        if (string.IsNullOrWhiteSpace(refName) || refName.StartsWith('-'))
        {
            return null;
        }
        try
        {
            return repo.Lookup(refName + "^{commit}") as Commit;
        }
        catch (LibGit2SharpException)
        {
            return null;
        }
    }

    private static CommitResponse ToResponse(Commit c) => new(c.Sha, c.Sha[..8], c.MessageShort, c.Message, c.Author.Name,
        c.Author.Email, c.Author.When, c.Committer.Name, c.Committer.Email, c.Committer.When, c.Parents.Select(p => p.Sha).ToArray());

    private static Task<T> Read<T>(string path, Func<Repository, T> read) => Task.Run(() =>
    {
        if (!Directory.Exists(path))
        {
            throw new Infrastructure.Http.NotFoundException("The repository has not been created or fetched yet.");
        }
        using var repo = new Repository(path);
        return read(repo);
    });
}
