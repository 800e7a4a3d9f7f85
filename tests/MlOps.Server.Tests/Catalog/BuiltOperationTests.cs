using System.Net.Http.Json;
using MlOps.Server.Tests.Git;
using MlOps.Server.Tests.RunnerJobs;

namespace MlOps.Server.Tests.Catalog;

/// <summary>
/// A `build: Dockerfile` operation from publishing to use, with every part real: the repository
/// pushed with `git`, the runner process with the Docker executor building the image on the
/// engine (FROM the locally built busybox test image, no network), the version made ready with
/// the image's id, then a one-step run of it producing its output as an artifact.
/// </summary>
public sealed class BuiltOperationTests(CatalogRunnerServer server) : IClassFixture<CatalogRunnerServer>, IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(120);
    private readonly GitCli git = new();
    private readonly List<string> images = [];

    public Task InitializeAsync() => DockerImages.EnsureBusyboxAsync();

    public async Task DisposeAsync()
    {
        git.Dispose();
        foreach (var image in images)
        {
            await DockerImages.RunAsync("docker", ["image", "rm", "-f", image], null);
        }
    }

    public const string Manifest = """
        name: stamp
        kind: data-operation
        description: Copies a table and stamps a line at its end.
        build: Dockerfile
        command: [/bin/sh, /op/stamp.sh, "{{inputs.table}}", "{{outputs.table}}", "{{params.stamp}}"]
        inputs:  { table: { type: table } }
        outputs: { table: { type: table } }
        params:
          stamp: { type: string, default: stamped }
        tags: [inference]
        """;

    // busybox has no dirname: the output's folder is cut from its path.
    public const string Script = """
        set -e
        mkdir -p "${2%/*}"
        i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done
        { cat "$1"; echo "$3"; } > "$2"
        echo "::metric name=rows value=3"
        echo "stamp wrote $2"
        """;

    public static string Dockerfile(string run = "RUN ls /sys/class/net > /op/networks") => $"""
        FROM {DockerImages.Busybox}
        COPY . /op/
        {run}
        LABEL org.example.purpose=test
        """;

    private static Dictionary<string, string> Files(string dockerfile) => new()
    {
        ["operation.yml"] = Manifest,
        ["Dockerfile"] = dockerfile,
        ["stamp.sh"] = Script,
        ["notes/secret.txt"] = "kept out by .dockerignore\n",
        ["notes/keep.txt"] = "taken back by a ! pattern\n",
        [".dockerignore"] = "# build context rules\nnotes\n!notes/keep.txt\n*.md\n",
        ["README.md"] = "# stamp\n",
    };

    private async Task<(string Owner, JsonElement Version)> PublishAsync(string dockerfile)
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, Files(dockerfile));
        var version = await server.PublishAsync(repo, "1.0.0");
        images.Add(version.GetProperty("image_reference").GetString()!);
        return (owner, version);
    }

    private async Task<JsonElement> WaitForVersionAsync(string owner)
    {
        using var developer = server.As(server.Tokens[GitServer.Developer]);
        return await WaitAsync(async () =>
        {
            var version = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/operations/{owner}/stamp/versions/1.0.0"));
            return version.GetProperty("status").GetString() == "building" ? null : version;
        });
    }

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

    private static Task<string> InImageAsync(string image, string command) =>
        DockerImages.OutputAsync("docker", "run", "--rm", "--network", "none", image, "/bin/sh", "-c", command);

    [Fact]
    public async Task Publish_Dockerfile_RealRunnerBuildsIt_VersionReadyWithTheImageId()
    {
        await using var runner = new RunnerProcess(server.BaseAddress, "t" + Guid.NewGuid().ToString("N")[..8], "docker");
        var (owner, published) = await PublishAsync(Dockerfile());
        var target = $"mlops.local/operations/{owner}/stamp:1.0.0";

        var version = await WaitForVersionAsync(owner);

        var jobId = published.GetProperty("build").GetProperty("job_id").GetInt64();
        using var admin = server.Admin();
        var log = await admin.GetStringAsync($"/api/v1/jobs/{jobId}/log");
        Assert.True(version.GetProperty("status").GetString() == "ready", version + log + runner.Output);
        var id = (await DockerImages.OutputAsync("docker", "image", "inspect", "--format", "{{.Id}}", target)).Trim();
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        Assert.Equal(id, version.GetProperty("image_digest").GetString());
        Assert.Equal(id, await server.QueryAsync<string>("SELECT image_digest FROM jobs WHERE id = @jobId", new { jobId }));
        Assert.Equal($"{owner}/stamp", (await DockerImages.OutputAsync("docker", "image", "inspect", "--format",
            "{{index .Config.Labels \"io.mlops.operation\"}}", target)).Trim());
        // The output came into the job's log as the engine sent it.
        Assert.Contains("COPY . /op/", log);
        Assert.Contains($"Built {target}: {id}", log);
        // The context is the repository at the commit, less .git and what .dockerignore excludes; no network while building.
        Assert.Equal(["Dockerfile", "networks", "notes", "operation.yml", "stamp.sh"],
            (await InImageAsync(target, "ls /op")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("keep.txt", (await InImageAsync(target, "ls /op/notes")).Trim());
        Assert.Equal("lo", (await InImageAsync(target, "cat /op/networks")).Trim());
    }

    [Fact]
    public async Task Publish_BrokenDockerfile_VersionFailedWithTheReason_AndTheBuildLogKept()
    {
        await using var runner = new RunnerProcess(server.BaseAddress, "t" + Guid.NewGuid().ToString("N")[..8], "docker");
        var (owner, published) = await PublishAsync(Dockerfile("RUN echo building-the-image && exit 3"));

        var version = await WaitForVersionAsync(owner);

        var jobId = published.GetProperty("build").GetProperty("job_id").GetInt64();
        using var admin = server.Admin();
        var log = await admin.GetStringAsync(version.GetProperty("build").GetProperty("log").GetString());
        Assert.True(version.GetProperty("status").GetString() == "failed", version + log + runner.Output);
        Assert.Equal("The image build failed: The command '/bin/sh -c echo building-the-image && exit 3' returned a non-zero code: 3",
            version.GetProperty("build").GetProperty("failure").GetString());
        Assert.Equal($"/api/v1/jobs/{jobId}/log", version.GetProperty("build").GetProperty("log").GetString());
        Assert.Contains("building-the-image", log);
        Assert.Contains("returned a non-zero code: 3", log);
        Assert.Equal(JsonValueKind.Null, version.GetProperty("image_digest").ValueKind);
    }

    [Fact]
    public async Task BuildCanceled_BuildStops_VersionFailedAsCanceled()
    {
        await using var runner = new RunnerProcess(server.BaseAddress, "t" + Guid.NewGuid().ToString("N")[..8], "docker");
        var (owner, published) = await PublishAsync(Dockerfile("RUN echo build-started && sleep 300"));
        var jobId = published.GetProperty("build").GetProperty("job_id").GetInt64();
        using var admin = server.Admin();
        await WaitAsync(async () => (await admin.GetStringAsync($"/api/v1/jobs/{jobId}/log")).Contains("build-started") ? default(JsonElement) : null);

        await server.ExecuteAsync("UPDATE jobs SET cancel_requested = true WHERE id = @jobId", new { jobId });
        var version = await WaitForVersionAsync(owner);

        Assert.Equal("canceled", await server.QueryAsync<string>("SELECT status FROM jobs WHERE id = @jobId", new { jobId }));
        Assert.Equal("failed", version.GetProperty("status").GetString());
        Assert.Equal("the image build was canceled", version.GetProperty("build").GetProperty("failure").GetString());
    }

    [Fact]
    public async Task ImageBuildJob_OnlyRunnersWithTheDockerExecutorClaimIt()
    {
        var (_, published) = await PublishAsync(Dockerfile());
        var jobId = published.GetProperty("build").GetProperty("job_id").GetInt64();
        var (_, token) = await server.RegisterRunnerAsync();

        var byProcess = await server.RequestJobAsync(token, RunnerServer.Capacity());
        var byDocker = await server.RequestJobAsync(token, RunnerServer.Capacity() with { Executor = "docker" });

        Assert.Null(byProcess);
        Assert.NotNull(byDocker);
        Assert.Equal(jobId, byDocker.Id);
        var build = byDocker.Spec.ImageBuild!;
        Assert.Equal((".", "Dockerfile", published.GetProperty("image_reference").GetString()), (build.Context, build.Dockerfile, build.Target));
        Assert.Equal(published.GetProperty("operation").GetString(), build.Labels["io.mlops.operation"]);
        // A runner must report an image id, not anything else, with the success.
        using var job = server.WithJobToken(byDocker.JobToken);
        var refused = await job.PutAsJsonAsync($"/api/v1/runner/jobs/{jobId}", new { state = "success", image_digest = "latest" });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("image_digest must be an image id: sha256: and 64 lower-case hex digits.",
            (await MlOpsServer.Read(refused)).GetProperty("errors").GetProperty("image_digest")[0].GetString());
        await MlOpsServer.Ensure(await job.PutAsJsonAsync($"/api/v1/runner/jobs/{jobId}", new { state = "failed", failure_reason = "test over" }));
    }

    [Fact]
    public async Task OneStepRun_OfTheBuiltOperation_RealRunnerProducesItsOutput_WithLogMetricsAndUsage()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");
        var (owner, _) = await PublishAsync(Dockerfile());
        Assert.Equal("ready", (await WaitForVersionAsync(owner)).GetProperty("status").GetString());
        var (project, _, _) = await server.ArrangeOperationAsync(git, new Dictionary<string, string> { ["data/in.csv"] = "a,b\n1,2\n" });
        using var developer = server.As(server.Tokens[GitServer.Developer]);

        var started = await MlOpsServer.Ensure(await developer.PostAsJsonAsync($"/api/v1/operations/{owner}/stamp/1.0.0/runs", new
        {
            project, @params = new { stamp = "checked" }, inputs = new { table = "data/in.csv" }, tags = new[] { tag },
        }));

        var runId = started.GetProperty("run_id").GetInt64();
        var jobId = started.GetProperty("job_id").GetInt64();
        var run = await WaitAsync(async () =>
        {
            var r = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/runs/{runId}"));
            return r.GetProperty("status").GetString() is "success" or "failed" or "canceled" ? r : null;
        });
        var log = await developer.GetStringAsync($"/api/v1/jobs/{jobId}/log");
        Assert.True(run.GetProperty("status").GetString() == "success", run + log + runner.Output);
        var (tags, maxAttempts) = await server.QueryAsync<(string[], int)>("SELECT tags, max_attempts FROM jobs WHERE id = @jobId", new { jobId });
        Assert.Equal([tag], tags);
        Assert.Equal(3, maxAttempts); // retry: 2 by default, as for a pipeline step
        // The output is an artifact of the job, downloadable like any other.
        var artifacts = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/jobs/{jobId}/artifacts"));
        Assert.Equal("table", artifacts[0].GetProperty("name").GetString());
        Assert.Equal("a,b\n1,2\nchecked\n", await developer.GetStringAsync($"/api/v1/jobs/{jobId}/artifacts/table"));
        Assert.Contains("stamp wrote .mlops/stamp/table", log);
        var metrics = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/jobs/{jobId}/metrics"));
        Assert.Equal("rows", metrics[0].GetProperty("name").GetString());
        var usage = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/jobs/{jobId}/usage"));
        Assert.True(usage.GetProperty("attempts")[0].GetProperty("final").GetBoolean(), usage.ToString());

        // Billed to the project's client, under the pipeline `operation`, like any run.
        var client = project[..project.IndexOf('/')];
        var month = DateTime.UtcNow.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var statement = await WaitAsync(async () =>
        {
            var s = await server.GetJsonAsync($"/api/v1/clients/{client}/statement?month={month}");
            return s.GetProperty("lines").EnumerateArray().Any(l => l.GetProperty("resource").GetString() == "cpu") ? s : null;
        });
        var cpu = statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("resource").GetString() == "cpu").ToList();
        Assert.All(cpu, l => Assert.Equal((project, "operation"), (l.GetProperty("project").GetString(), l.GetProperty("pipeline").GetString())));
        Assert.True(cpu.Sum(l => l.GetProperty("ledger_quantity").GetDecimal()) > 0.1m, statement.ToString()); // core-seconds of the busy loop
    }

    [Fact]
    public async Task Pipeline_UsesTheBuiltOperation_PushRunsItAndTheNextStepReadsItsOutput()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "docker");
        var (owner, _) = await PublishAsync(Dockerfile());
        Assert.Equal("ready", (await WaitForVersionAsync(owner)).GetProperty("status").GetString());
        var pipeline = $$$"""
            pipelines:
              stamp:
                on:
                  push: { branches: [main] }
                steps:
                  stamp:
                    uses: {{{owner}}}/stamp@1.0.0
                    tags: [{{{tag}}}]
                    inputs: { table: data/in.csv }
                    params: { stamp: piped }
                  show:
                    image: {{{DockerImages.Busybox}}}
                    tags: [{{{tag}}}]
                    inputs: { table: "${{ steps.stamp.outputs.table }}" }
                    run: cat "${{ inputs.table }}"
            """;

        var (project, _, _) = await server.ArrangeOperationAsync(git, new Dictionary<string, string>
        {
            ["data/in.csv"] = "a,b\n1,2\n", ["mlops.yml"] = pipeline,
        });

        using var developer = server.As(server.Tokens[GitServer.Developer]);
        var run = await WaitAsync(async () =>
        {
            var runs = await MlOpsServer.Ensure(await developer.GetAsync(GitServer.Api(project) + "/runs"));
            var first = runs.GetProperty("items").EnumerateArray().FirstOrDefault();
            if (first.ValueKind != JsonValueKind.Object) return null;
            var r = await MlOpsServer.Ensure(await developer.GetAsync($"/api/v1/runs/{first.GetProperty("id").GetInt64()}"));
            return r.GetProperty("status").GetString() is "success" or "failed" or "canceled" or "skipped" ? r : null;
        });
        var jobs = run.GetProperty("jobs").EnumerateArray().ToDictionary(j => j.GetProperty("name").GetString()!, j => j.GetProperty("id").GetInt64());
        var log = await developer.GetStringAsync($"/api/v1/jobs/{jobs["show"]}/log");
        Assert.True(run.GetProperty("status").GetString() == "success", run + log + runner.Output);
        Assert.Contains("a,b\n1,2\npiped\n", log);
    }
}
