using Dapper;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.Runs;

/// <summary>The Git server fixture plus what run tests need: pushing an mlops.yml and waiting for its processing.</summary>
public class RunServer : GitServer
{
    public const string TwoSteps = """
        pipelines:
          train:
            on:
              push: { branches: ["*"] }
              manual: true
            params:
              epochs: { type: int, default: 3, min: 1 }
            steps:
              prepare:
                image: python:3.12-slim
                run: python3 prepare.py
                outputs: { table: out/table.csv }
              fit:
                image: python:3.12-slim
                needs: [prepare]
                run: python3 fit.py --epochs ${{ params.epochs }}
                resources: { gpus: 1, cpus: 2, memory: 4Gi, timeout: 30m }
        """;

    public async Task<NpgsqlConnection> DbAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A working copy of a fresh project with <paramref name="definition"/> committed (not pushed yet).</summary>
    public async Task<(string Repository, GitCli Git)> CloneWithDefinitionAsync(string? definition, string message = "pipeline")
    {
        var repository = await ArrangeAsync();
        var git = new GitCli();
        await git.InitAsync("w");
        await git.OkAsync("w", "remote", "add", "origin", Url(repository, Maintainer));
        if (definition is not null)
        {
            await git.CommitAsync("w", "mlops.yml", definition, message);
        }
        return (repository, git);
    }

    public async Task<long> ProjectIdAsync(string repository)
    {
        var project = await GetJsonAsync(Api(repository));
        return project.GetProperty("id").GetInt64();
    }

    /// <summary>Waits until every push event of the project is processed; returns their outcomes, oldest first.</summary>
    public async Task<IReadOnlyList<string>> OutcomesAsync(long projectId, int expected)
    {
        await using var db = await DbAsync();
        for (var i = 0; i < 600; i++)
        {
            var rows = (await db.QueryAsync<(string? Outcome, DateTime? ProcessedAt)>(
                "SELECT outcome, processed_at FROM push_events WHERE project_id = @projectId AND state = 'recorded' ORDER BY id",
                new { projectId })).ToList();
            if (rows.Count >= expected && rows.All(r => r.ProcessedAt is not null))
            {
                return rows.Select(r => r.Outcome!).ToList();
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"The push events of project {projectId} were not processed within 30 s.");
    }

    public async Task<JsonElement[]> RunsAsync(string repository, string query = "")
    {
        var page = await GetJsonAsync($"{Api(repository)}/runs{query}");
        return page.GetProperty("items").EnumerateArray().ToArray();
    }
}
