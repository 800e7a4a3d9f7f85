using System.Net.Http.Json;
using System.Text.Json;
using MlOps.Server.Tests.Git;
using MlOps.Server.Tests.RunnerJobs;

namespace MlOps.Server.Tests.EndToEnd;

/// <summary>
/// The product's promise in one piece, with every part real: `git push` of an mlops.yml, the run
/// it creates, the runner process taking its jobs, an output handed from one step to the next,
/// the log and metrics read back through the API, and the usage booked on the client's statement.
/// </summary>
public sealed class PushToResultTests(EndToEndServer server) : IClassFixture<EndToEndServer>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(120);

    private static string Pipeline(string tag) => $$$"""
        pipelines:
          train:
            on:
              push: { branches: [main] }
              manual: true
            steps:
              make:
                image: mlops-test/busybox:1
                tags: [{{{tag}}}]
                run: |
                  mkdir -p out
                  i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done
                  echo hello-from-make > out/msg.txt
                  echo "::metric name=accuracy value=0.9 step=1"
                outputs: { msg: out/msg.txt }
              use:
                image: mlops-test/busybox:1
                tags: [{{{tag}}}]
                needs: [make]
                inputs: { msg: "${{ steps.make.outputs.msg }}" }
                run: cat "${{ inputs.msg }}"
        """;

    [Fact]
    public async Task GitPush_PipelineOfTwoSteps_RunSucceedsWithLogMetricsAndUsageOnTheStatement()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (repository, git) = await server.CloneWithDefinitionAsync(Pipeline(tag));
        using var _ = git;
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        await git.OkAsync("w", "push", "-q", "origin", "main");

        var run = await WaitForRunAsync(repository, "success", "failed", "canceled");
        Assert.True(run.GetProperty("status").GetString() == "success", runner.Output + run);
        var jobs = run.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("name").GetString()!, j => j.GetProperty("id").GetInt64());
        using var reporter = server.Http(GitServer.Reporter);
        Assert.Contains("hello-from-make", await reporter.GetStringAsync($"/api/v1/jobs/{jobs["use"]}/log"));
        var metrics = await MlOpsServer.Ensure(await reporter.GetAsync($"/api/v1/jobs/{jobs["make"]}/metrics"));
        Assert.Contains("accuracy", metrics.ToString());

        // The finished attempts reach the ledger and the client's statement for this month.
        var client = repository[..repository.IndexOf('/')];
        var month = DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var statement = await WaitAsync(async () =>
        {
            var s = await server.GetJsonAsync($"/api/v1/clients/{client}/statement?month={month}");
            return s.GetProperty("lines").EnumerateArray().Count(l => l.GetProperty("resource").GetString() == "cpu") > 0 ? s : (JsonElement?)null;
        });
        var cpu = statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("resource").GetString() == "cpu")
            .Sum(l => l.GetProperty("ledger_quantity").GetDecimal());
        Assert.True(cpu > 0.1m, statement.ToString()); // core-seconds of the busy loop
        Assert.All(statement.GetProperty("lines").EnumerateArray(), l => Assert.Equal(repository, l.GetProperty("project").GetString()));
    }

    [Fact]
    public async Task GpuJob_ClientQuotaOfZeroGpuHours_WaitsWithTheReasonAndStartsWhenRaised()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var definition = $$"""
            pipelines:
              train:
                on:
                  push: { branches: [main] }
                steps:
                  gpu:
                    image: mlops-test/busybox:1
                    tags: [{{tag}}]
                    run: echo "gpu=$CUDA_VISIBLE_DEVICES"
                    resources: { gpus: { count: 1, model: h100 } }
            """;
        var (repository, git) = await server.CloneWithDefinitionAsync(definition);
        using var _ = git;
        var client = repository[..repository.IndexOf('/')];
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PutAsJsonAsync($"/api/v1/clients/{client}/quota", new { gpu_hours_per_month = 0 }));
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process", GpuStandInTests.StandIn("linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt", "/nonexistent"));

        await git.OkAsync("w", "push", "-q", "origin", "main");

        var waiting = await WaitAsync(async () =>
        {
            var r = await LatestRunAsync(repository);
            var job = r?.GetProperty("jobs").EnumerateArray().FirstOrDefault();
            return job is { } j && j.TryGetProperty("waiting_reason", out var reason) && reason.ValueKind == JsonValueKind.String ? r : null;
        });
        var stuck = waiting.GetProperty("jobs")[0];
        Assert.Equal("pending", stuck.GetProperty("status").GetString());
        Assert.Contains("quota exceeded", stuck.GetProperty("waiting_reason").GetString());

        await MlOpsServer.Ensure(await admin.PutAsJsonAsync($"/api/v1/clients/{client}/quota", new { gpu_hours_per_month = 10 }));

        var run = await WaitForRunAsync(repository, "success", "failed", "canceled");
        Assert.True(run.GetProperty("status").GetString() == "success", runner.Output + run);
    }

    [Fact]
    public async Task RetryOnScriptFailure_FailsFirstTimeSucceedsSecond_SuccessAtAttemptTwoWithUsageOfBoth()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var shared = Directory.CreateTempSubdirectory("mlops-retry-");
        var marker = Path.Combine(shared.FullName, "tried");
        var definition = $$"""
            pipelines:
              train:
                on:
                  push: { branches: [main] }
                steps:
                  flaky:
                    image: mlops-test/busybox:1
                    tags: [{{tag}}]
                    retry: { max: 1, when: [script_failure] }
                    run: |
                      if [ -f {{marker}} ]; then echo second-time-lucky; else touch {{marker}}; echo first-time-fails; exit 3; fi
            """;
        var (repository, git) = await server.CloneWithDefinitionAsync(definition);
        using var _ = git;
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        await git.OkAsync("w", "push", "-q", "origin", "main");

        var run = await WaitForRunAsync(repository, "success", "failed", "canceled");
        Assert.True(run.GetProperty("status").GetString() == "success", runner.Output + run);
        var job = run.GetProperty("jobs")[0];
        Assert.Equal(2, job.GetProperty("attempt").GetInt32());
        var id = job.GetProperty("id").GetInt64();
        var log = await server.Admin().GetStringAsync($"/api/v1/jobs/{id}/log");
        Assert.True(log.IndexOf("first-time-fails", StringComparison.Ordinal) < log.IndexOf("Attempt 2", StringComparison.Ordinal), log);
        Assert.Contains("The command exited with code 3.", log);
        Assert.Contains("second-time-lucky", log);
        await using var connection = new Npgsql.NpgsqlConnection(server.Database.ConnectionString);
        var attempts = (await Dapper.SqlMapper.QueryAsync<(int Attempt, bool Final)>(connection,
            "SELECT attempt, final FROM job_usage WHERE job_id = @id ORDER BY attempt", new { id })).ToList();
        Assert.Equal([(1, true), (2, true)], attempts);
        shared.Delete(recursive: true);
    }

    [Fact]
    public async Task ScriptFailure_RetryOnlyForTimeouts_FailsAtAttemptOne()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var definition = $$"""
            pipelines:
              train:
                on:
                  push: { branches: [main] }
                steps:
                  broken:
                    image: mlops-test/busybox:1
                    tags: [{{tag}}]
                    retry: { max: 2, when: [stuck_or_timeout_failure] }
                    run: exit 4
            """;
        var (repository, git) = await server.CloneWithDefinitionAsync(definition);
        using var _ = git;
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process");

        await git.OkAsync("w", "push", "-q", "origin", "main");

        var run = await WaitForRunAsync(repository, "success", "failed", "canceled");
        var job = run.GetProperty("jobs")[0];
        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        Assert.Equal("The command exited with code 4.", job.GetProperty("failure_reason").GetString());
    }

    private async Task<JsonElement?> LatestRunAsync(string repository)
    {
        var runs = await server.GetJsonAsync(GitServer.Api(repository) + "/runs");
        var first = runs.GetProperty("items").EnumerateArray().FirstOrDefault();
        return first.ValueKind == JsonValueKind.Object ? await server.GetJsonAsync($"/api/v1/runs/{first.GetProperty("id").GetInt64()}") : null;
    }

    private Task<JsonElement> WaitForRunAsync(string repository, params string[] statuses) => WaitAsync(async () =>
    {
        var run = await LatestRunAsync(repository);
        return run is { } r && statuses.Contains(r.GetProperty("status").GetString()) ? r : null;
    });

    private static async Task<JsonElement> WaitAsync(Func<Task<JsonElement?>> probe)
    {
        var deadline = DateTime.UtcNow + Within;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("the expected state was not reached within " + Within);
    }
}
