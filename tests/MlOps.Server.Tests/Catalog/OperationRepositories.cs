using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>Operation projects and publishing, for any server fixture with the Git users (the catalog's, or one with runners).</summary>
public static class OperationRepositories
{
    /// <summary>
    /// A fresh group and project holding <paramref name="files"/>, pushed with the real `git`
    /// client by a maintainer and tagged v1; returns the project path, its owner (the group) and the commit.
    /// </summary>
    public static async Task<(string Repo, string Owner, string Commit)> ArrangeOperationAsync(this GitServer server, GitCli git,
        IReadOnlyDictionary<string, string> files, string visibility = "public")
    {
        var repo = await server.ArrangeAsync(visibility);
        var work = "op-" + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(git.PathOf(work));
        await git.OkAsync(work, "init", "-q");
        foreach (var (file, content) in files)
        {
            var path = Path.Combine(git.PathOf(work), file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, content);
        }
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "operation");
        await git.OkAsync(work, "tag", "v1");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main", "v1");
        return (repo, repo[..repo.IndexOf('/')], await git.OkAsync(work, "rev-parse", "HEAD"));
    }

    public static Task<(string Repo, string Owner, string Commit)> ArrangeOperationAsync(this GitServer server, GitCli git, string manifest,
        string visibility = "public") =>
        server.ArrangeOperationAsync(git, new Dictionary<string, string> { ["operation.yml"] = manifest }, visibility);

    public static async Task<JsonElement> PublishAsync(this GitServer server, string repo, string version, string gitRef = "v1",
        string user = GitServer.Developer)
    {
        using var client = server.As(server.Tokens[user]);
        return await MlOpsServer.Ensure(await client.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = gitRef, version }));
    }
}
