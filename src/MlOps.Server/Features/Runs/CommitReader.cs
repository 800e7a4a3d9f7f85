using LibGit2Sharp;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Runs;

/// <summary>What run creation reads from a commit: its message, its mlops.yml and the paths a push changed.</summary>
public sealed record CommitFacts(string Sha, string Message, string? Definition, IReadOnlyList<string> ChangedPaths);

/// <summary>
/// Reads the local bare repository (the embedded one, or a GitLab/GitHub mirror) with LibGit2Sharp.
/// libgit2 blocks, so every read runs on the thread pool.
/// </summary>
public static class CommitReader
{
    public const string DefinitionFile = "mlops.yml";

    /// <summary>Largest mlops.yml read; the pipeline parser has its own, smaller limits.</summary>
    private const int MaxDefinitionBytes = 1024 * 1024;

    public static bool IsZero(string sha) => sha.Length == 0 || sha.All(c => c == '0');

    /// <summary>
    /// The commit <paramref name="after"/> and the paths changed since <paramref name="before"/>. For a
    /// new ref (<paramref name="before"/> all zeros) the paths are those changed since the merge base
    /// with the default branch's head, or every path when there is none (the first push, or the
    /// default branch itself). Null when the commit is not in the repository.
    /// </summary>
    public static Task<CommitFacts?> ReadAsync(string repositoryPath, string before, string after, string defaultBranch) =>
        Task.Run(() =>
        {
            using var repo = new Repository(repositoryPath);
            if (repo.Lookup<Commit>(after) is not { } commit)
            {
                return null;
            }
            var baseCommit = IsZero(before) ? MergeBase(repo, commit, defaultBranch) : repo.Lookup<Commit>(before);
            var changed = baseCommit is null
                ? AllPaths(commit.Tree)
                : repo.Diff.Compare<TreeChanges>(baseCommit.Tree, commit.Tree)
                    .SelectMany(c => c.Path == c.OldPath ? new[] { c.Path } : [c.OldPath, c.Path]).Distinct().ToList();
            return new CommitFacts(commit.Sha, commit.Message, Definition(commit), changed);
        });

    /// <summary>The commit a branch, tag or sha names, and its mlops.yml; null when the ref does not exist.</summary>
    public static Task<(string Sha, string FullRef, string? Definition)?> ResolveAsync(string repositoryPath, string refName) =>
        Task.Run<(string, string, string?)?>(() =>
        {
            if (!Directory.Exists(repositoryPath))
            {
                return null;
            }
            using var repo = new Repository(repositoryPath);
            if (refName.Length == 40 && refName.All(char.IsAsciiHexDigitLower) && repo.Lookup<Commit>(refName) is { } exact)
            {
                return (exact.Sha, exact.Sha, Definition(exact));
            }
            foreach (var candidate in new[] { "refs/heads/" + refName, "refs/tags/" + refName, refName })
            {
                if (!candidate.StartsWith("refs/", StringComparison.Ordinal) || repo.Refs[candidate] is not { } reference)
                {
                    continue;
                }
                if (reference.ResolveToDirectReference()?.Target.Peel<Commit>() is { } commit)
                {
                    return (commit.Sha, candidate, Definition(commit));
                }
            }
            return null;
        });

    /// <summary>The sha a ref points at now, or null when the ref does not exist.</summary>
    public static Task<string?> RefTargetAsync(string repositoryPath, string fullRef) => Task.Run(() =>
    {
        if (!Directory.Exists(repositoryPath))
        {
            return null;
        }
        using var repo = new Repository(repositoryPath);
        return repo.Refs[fullRef]?.ResolveToDirectReference()?.TargetIdentifier;
    });

    /// <summary>
    /// Content ids for cache keys: a blob's id (or, for an LFS pointer, the object's oid), a
    /// folder's tree id; the empty path is the commit's whole tree (what an inline step checks out).
    /// </summary>
    public static Task<Dictionary<string, string>> ContentIdsAsync(string repositoryPath, string sha, IEnumerable<string> paths) =>
        Task.Run(() =>
        {
            using var repo = new Repository(repositoryPath);
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (repo.Lookup<Commit>(sha) is not { } commit)
            {
                return result;
            }
            foreach (var path in paths.Distinct())
            {
                var target = path.Trim('/').Length == 0 ? commit.Tree : commit.Tree[path.Trim('/')]?.Target;
                result[path] = target switch
                {
                    Blob blob when blob.Size <= LfsPointer.MaxSize && LfsPointer.Parse(blob.GetContentText()) is { } lfs => "lfs:" + lfs.Oid,
                    Blob blob => "blob:" + blob.Sha,
                    Tree tree => "tree:" + tree.Sha,
                    _ => $"missing:{path}@{sha}",
                };
            }
            return result;
        });

    private static string? Definition(Commit commit)
    {
        if (commit.Tree[DefinitionFile]?.Target is not Blob blob)
        {
            return null;
        }
        if (blob.Size > MaxDefinitionBytes)
        {
            return $"# {DefinitionFile} is {blob.Size} bytes; the limit is {MaxDefinitionBytes}.\n:";
        }
        return blob.GetContentText();
    }

    private static Commit? MergeBase(Repository repo, Commit commit, string defaultBranch)
    {
        if (repo.Branches[defaultBranch]?.Tip is not { } head || head.Sha == commit.Sha)
        {
            return null;
        }
        return repo.ObjectDatabase.FindMergeBase(commit, head);
    }

    private static List<string> AllPaths(Tree tree)
    {
        var paths = new List<string>();
        void Walk(Tree t, string prefix)
        {
            foreach (var entry in t)
            {
                if (entry.Target is Tree sub)
                {
                    Walk(sub, prefix + entry.Name + "/");
                }
                else
                {
                    paths.Add(prefix + entry.Name);
                }
            }
        }
        Walk(tree, "");
        return paths;
    }
}
