using Dapper;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.Catalog;

/// <summary>
/// The server on a real port (for `git push`) with one user per role. Each test arranges its own
/// group, so operation owners never collide and tests pass in any order.
/// </summary>
public sealed class CatalogServer : GitServer
{
    public static string Manifest(string name = "sklearn-train", string kind = "algorithm", string tags = "[trainable, tabular]",
        string description = "Train a scikit-learn classifier on a CSV table.", string image = "image: registry.example.com/community/sklearn-train:2.0.1") => $$$"""
        name: {{{name}}}
        kind: {{{kind}}}
        description: {{{description}}}
        {{{image}}}
        command: [python3, /op/train.py, --table, "{{inputs.table}}", --out, "{{outputs.model}}",
                  --model, "{{params.model}}", --max-iter, "{{params.max_iter}}"]
        inputs:  { table: { type: table } }
        outputs: { model: { type: model }, metrics: { type: metrics } }
        params:
          model:    { type: enum, values: [logistic, forest], default: logistic }
          max_iter: { type: int, default: 200, min: 1 }
        resources: { gpus: 0, memory: 2Gi }
        tags: {{{tags}}}
        """;

    /// <summary>
    /// A fresh group and project holding <paramref name="files"/>, pushed with the real `git`
    /// client by a maintainer and tagged v1; returns the project path, its owner (the group) and the commit.
    /// </summary>
    public async Task<(string Repo, string Owner, string Commit)> ArrangeOperationAsync(GitCli git, IReadOnlyDictionary<string, string> files,
        string visibility = "public")
    {
        var repo = await ArrangeAsync(visibility);
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
        await git.OkAsync(work, "push", "-q", Url(repo, Maintainer), "main", "v1");
        return (repo, repo[..repo.IndexOf('/')], await git.OkAsync(work, "rev-parse", "HEAD"));
    }

    public Task<(string Repo, string Owner, string Commit)> ArrangeOperationAsync(GitCli git, string manifest, string visibility = "public") =>
        ArrangeOperationAsync(git, new Dictionary<string, string> { ["operation.yml"] = manifest }, visibility);

    public HttpClient User(string user) => As(Tokens[user]);

    public async Task<JsonElement> PublishAsync(string repo, string version, string gitRef = "v1", string user = Developer)
    {
        using var client = User(user);
        return await Ensure(await client.PostAsJsonAsync("/api/v1/operations", new { project = repo, @ref = gitRef, version }));
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = await OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }
}
