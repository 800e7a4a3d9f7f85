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

    public HttpClient User(string user) => As(Tokens[user]);

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
