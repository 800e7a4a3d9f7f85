using System.Text.Json;
using MlOps.Pipelines.Compilation;

namespace MlOps.Pipelines.Tests;

public class CompilerTests
{
    [Fact]
    public async Task Lint_ArchitectureExample_CompilesJobsInDependencyOrder()
    {
        var result = await Fixtures.Lint(Fixtures.Example);

        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var jobs = Assert.Single(result.Jobs).Jobs;
        Assert.Equal(["clean", "fit", "report"], jobs.Select(j => j.Name));
        Assert.Equal([1, 2, 3], jobs.Select(j => j.Stage));
        Assert.Equal("acme", jobs[0].Client);
    }

    [Fact]
    public async Task Lint_OperationStep_RendersEachValueAsOwnArgument()
    {
        var fit = (await Fixtures.Lint(Fixtures.Example)).Jobs[0].Jobs[1];

        Assert.Equal(
            ["python3", "/op/train.py", "--table", ".mlops/clean/table", "--out", ".mlops/fit/model",
             "--model", "forest", "--max-iter", "500", "sepal", "petal"], fit.Argv);
        Assert.Equal("registry.example.com/community/sklearn-train@sha256:cccc", fit.Image);
        Assert.Equal(new OperationIdentity("community", "sklearn-train", "2.0.1", Fixtures.TrainSha), fit.Operation);
        Assert.Equal(new ResourceRequest(1, null, 4, 16L << 30), fit.Resources);
        Assert.Equal(7200, fit.TimeoutSeconds);
        Assert.Equal(["clean"], fit.Needs);
    }

    [Fact]
    public async Task Lint_InlineStep_PassesReferencesAsVariablesNotText()
    {
        var report = (await Fixtures.Lint(Fixtures.Example)).Jobs[0].Jobs[2];

        Assert.Equal(["/bin/sh", "-c", "python3 report.py \"${MLOPS_STEPS_FIT_OUTPUTS_METRICS}\" > \"${MLOPS_OUTPUTS_HTML}\""], report.Argv);
        Assert.Equal(".mlops/fit/metrics", report.Env["MLOPS_STEPS_FIT_OUTPUTS_METRICS"]);
        Assert.Equal("out/report.html", report.Env["MLOPS_OUTPUTS_HTML"]);
        Assert.True(report.Checkout);
    }

    [Fact]
    public async Task Lint_ParamOverride_ChangesArgvAndCacheKey()
    {
        var baseline = (await Fixtures.Lint(Fixtures.Example)).Jobs[0].Jobs[1];
        var context = Fixtures.Context() with { ParamOverrides = new Dictionary<string, string> { ["iterations"] = "42" } };

        var changed = (await Fixtures.Lint(Fixtures.Example, context: context)).Jobs[0].Jobs[1];

        Assert.Contains("42", changed.Argv);
        Assert.NotEqual(baseline.CacheKey, changed.CacheKey);
    }

    [Fact]
    public async Task Lint_InputContentChanges_ChangesCacheKeysDownstream()
    {
        var a = (await Fixtures.Lint(Fixtures.Example, context: Fixtures.Context() with { ContentIds = _ => "blob-1" })).Jobs[0].Jobs;
        var b = (await Fixtures.Lint(Fixtures.Example, context: Fixtures.Context() with { ContentIds = _ => "blob-2" })).Jobs[0].Jobs;
        var again = (await Fixtures.Lint(Fixtures.Example, context: Fixtures.Context() with { ContentIds = _ => "blob-1" })).Jobs[0].Jobs;

        Assert.Equal(a.Select(j => j.CacheKey), again.Select(j => j.CacheKey));
        Assert.All(a.Zip(b), pair => Assert.NotEqual(pair.First.CacheKey, pair.Second.CacheKey));
    }

    private const string InlineOnly = """
        pipelines:
          report:
            steps:
              render:
                image: python:3.12-slim
                run: python3 report.py
                outputs: { html: out/report.html }
        """;

    [Fact]
    public async Task Lint_InlineStepAtAnotherCommit_ChangesCacheKey()
    {
        var first = (await Fixtures.Lint(InlineOnly, context: Fixtures.Context() with { CommitSha = new string('a', 40) })).Jobs[0].Jobs[0];
        var second = (await Fixtures.Lint(InlineOnly, context: Fixtures.Context() with { CommitSha = new string('b', 40) })).Jobs[0].Jobs[0];

        Assert.NotEqual(first.CacheKey, second.CacheKey);
    }

    [Fact]
    public async Task Lint_InlineStepSameCheckoutAtAnotherCommit_KeepsCacheKey()
    {
        // The server passes the root tree id as the checkout's content id: same content, same key.
        CompileContext At(char commit, string tree) => Fixtures.Context() with
        {
            CommitSha = new string(commit, 40), ContentIds = l => l.Path == "" ? tree : null,
        };

        var first = (await Fixtures.Lint(InlineOnly, context: At('a', "tree:1"))).Jobs[0].Jobs[0];
        var same = (await Fixtures.Lint(InlineOnly, context: At('b', "tree:1"))).Jobs[0].Jobs[0];
        var changed = (await Fixtures.Lint(InlineOnly, context: At('c', "tree:2"))).Jobs[0].Jobs[0];

        Assert.Equal(first.CacheKey, same.CacheKey);
        Assert.NotEqual(first.CacheKey, changed.CacheKey);
    }

    [Fact]
    public async Task Lint_CacheFalse_MakesStepAndDependentsUncacheable()
    {
        var yaml = Fixtures.Example.Replace("    needs: [clean]\n", "    needs: [clean]\n        cache: false\n");

        var jobs = (await Fixtures.Lint(yaml)).Jobs[0].Jobs;

        Assert.Equal([true, false, false], jobs.Select(j => j.Cacheable));
    }

    [Fact]
    public async Task Lint_JobGraph_SerializesWithSystemTextJson()
    {
        var graph = (await Fixtures.Lint(Fixtures.Example)).Jobs[0];

        var json = JsonSerializer.Serialize(graph, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });

        Assert.Contains("\"cache_key\":\"sha256:", json);
        Assert.Contains("\"max_iter\":500", json);
        Assert.Contains("\"features\":[\"sepal\",\"petal\"]", json);
    }
}
