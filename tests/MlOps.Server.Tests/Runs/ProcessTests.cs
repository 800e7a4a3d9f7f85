using Dapper;
using MlOps.Server.Tests.Git;
using Npgsql;

namespace MlOps.Server.Tests.Runs;

/// <summary>Durability and exactly-once across real server processes on one database.</summary>
public sealed class ProcessTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "mlops-proc-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly GitCli git = new();

    public async Task InitializeAsync() => database = await TestDatabase.CreateAsync();

    public async Task DisposeAsync()
    {
        git.Dispose();
        await database.DisposeAsync();
        try
        {
            Directory.Delete(dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<string> ProjectAsync(ServerProcess server)
    {
        var group = "g" + Guid.NewGuid().ToString("N")[..10];
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group }));
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p" }));
        await git.InitAsync("w");
        await git.CommitAsync("w", "mlops.yml", RunServer.TwoSteps, "pipeline");
        await git.OkAsync("w", "remote", "add", "origin", GitCli.Url(server.BaseAddress, $"{group}/p", "admin", MlOpsServer.AdminToken));
        return $"{group}/p";
    }

    private async Task<T> QueryAsync<T>(string sql, object? parameters = null)
    {
        await using var db = new NpgsqlConnection(database.ConnectionString);
        return await db.QuerySingleAsync<T>(sql, parameters);
    }

    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 600; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Waited 60 s for {what}.");
    }

    [Fact]
    public async Task GitPush_ServerKilledAfterTheRefMovedBeforeConfirming_RunIsCreatedAfterRestart()
    {
        // The events are confirmed before the client hears back (the run starts while storage
        // figures are counted), so this crash point also leaves `git push` without its answer.
        string sha;
        await using (var doomed = await ServerProcess.StartAsync(database.ConnectionString, dataDir,
            new Dictionary<string, string> { ["MLOPS_FAULT_KILL_BEFORE_PUSH_CONFIRM"] = "1", ["Runs__ProcessPushes"] = "false" }))
        {
            await ProjectAsync(doomed);
            sha = await git.OkAsync("w", "rev-parse", "HEAD");

            var push = await git.RunAsync("w", "push", "origin", "main");

            await doomed.WaitForExitAsync(CancellationToken.None);
            Assert.NotEqual(0, push.ExitCode);
        }
        Assert.Equal(0L, await QueryAsync<long>("SELECT count(*) FROM runs"));
        Assert.Equal("intent", await QueryAsync<string>("SELECT state FROM push_events"));

        await using var restarted = await ServerProcess.StartAsync(database.ConnectionString, dataDir);

        await WaitAsync(async () => await QueryAsync<long>("SELECT count(*) FROM runs") == 1, "the run after restart");
        Assert.Equal(sha, await QueryAsync<string>("SELECT commit_sha FROM runs"));
    }

    [Fact]
    public async Task TwoServers_RaceForTheSamePushEvents_CreateEachRunOnce()
    {
        await using var first = await ServerProcess.StartAsync(database.ConnectionString, dataDir);
        await using var second = await ServerProcess.StartAsync(database.ConnectionString, dataDir);
        await ProjectAsync(first);
        var refspecs = Enumerable.Range(0, 12).Select(i => $"main:refs/heads/b{i}").Prepend("main").ToArray();

        // One push moving 13 refs: one notification wakes both servers, which race for the events.
        await git.OkAsync("w", ["push", "-q", "origin", .. refspecs]);
        await WaitAsync(async () => await QueryAsync<long>("SELECT count(*) FROM push_events WHERE processed_at IS NULL") == 0,
            "every push event processed");
        // And once more, as if every event had been claimed again after a crash.
        await using (var db = new NpgsqlConnection(database.ConnectionString))
        {
            await db.ExecuteAsync("UPDATE push_events SET processed_at = NULL; NOTIFY mlops_push_events");
        }
        await WaitAsync(async () => await QueryAsync<long>("SELECT count(*) FROM push_events WHERE processed_at IS NULL") == 0,
            "every push event processed again");

        Assert.Equal(13L, await QueryAsync<long>("SELECT count(*) FROM runs"));
        Assert.Equal(13L, await QueryAsync<long>("SELECT count(DISTINCT push_event_id) FROM runs"));
        Assert.Equal(13L, await QueryAsync<long>("SELECT count(*) FROM push_events WHERE outcome = 'already_created'"));
    }
}
