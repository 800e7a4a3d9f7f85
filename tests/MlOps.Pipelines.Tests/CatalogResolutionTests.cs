using System.Text.Json;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Resolution;

namespace MlOps.Pipelines.Tests;

/// <summary>What the catalog adds to resolution: deprecation warnings, refusals, run-artifact inputs, one-step runs.</summary>
public class CatalogResolutionTests
{
    private const string UsesClean = """
        pipelines:
          train:
            steps:
              clean:
                uses: community/csv-clean@1.2.0
                inputs: { table: data/iris.csv }
        """;

    private sealed class FixedResolver(OperationLookup answer) : IOperationResolver
    {
        public ValueTask<OperationLookup> ResolveAsync(string owner, string name, string version, CancellationToken ct) => ValueTask.FromResult(answer);
    }

    private static ResolvedOperation Clean(string? deprecation = null) =>
        (Fixtures.Resolver().ResolveAsync("community", "csv-clean", "1.2.0", default).Result.Operation!) with { Deprecation = deprecation };

    private static ResolvedOperation Train() => Fixtures.Resolver().ResolveAsync("community", "sklearn-train", "2.0.1", default).Result.Operation!;

    [Fact]
    public async Task Lint_DeprecatedVersion_ValidWithWarningAtUses()
    {
        var resolver = new FixedResolver(OperationLookup.Found(Clean("use 1.3.0, which keeps quoted commas")));

        var result = await PipelineLinter.LintAsync(UsesClean, LintFileKind.Pipeline, LintTarget.Jobs, Fixtures.Context(), resolver);

        Assert.True(result.Valid);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("mlops.yml:5:15: operation community/csv-clean@1.2.0 is deprecated: use 1.3.0, which keeps quoted commas (pin a newer version)",
            warning.ToString());
    }

    [Fact]
    public async Task Lint_RefusedVersion_ErrorWithTheCatalogsMessage()
    {
        var resolver = new FixedResolver(OperationLookup.Refused("operation community/csv-clean@1.2.0 was yanked: corrupts dates", "pin another version"));

        var result = await PipelineLinter.LintAsync(UsesClean, LintFileKind.Pipeline, LintTarget.Jobs, Fixtures.Context(), resolver);

        Assert.False(result.Valid);
        Assert.Equal("mlops.yml:5:15: operation community/csv-clean@1.2.0 was yanked: corrupts dates (pin another version)",
            Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task Compile_RunArtifactInput_StagesItUnderInputsWithAStableContentId()
    {
        const string yaml = """
            pipelines:
              predict:
                steps:
                  clean:
                    uses: community/csv-clean@1.2.0
                    inputs: { table: { run: 123, job: fit, output: model } }
            """;

        var result = await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, Fixtures.Context(), Fixtures.Resolver());

        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var input = Assert.Single(Assert.Single(result.Jobs).Jobs[0].Inputs);
        Assert.Equal(new JobInput("table", "run", null, null, null, "fit", "model", ".mlops/inputs/clean/table", "run:123/fit/model", 123), input);
    }

    [Theory]
    [InlineData("{ run: abc, job: fit, output: model }", "6:33: run of input 'table' of step 'clean' must be a run id (a positive integer), got 'abc'")]
    [InlineData("{ run: 5, output: model }", "6:26: input 'table' of step 'clean' names a run but no job")]
    [InlineData("{ run: 5, job: fit, output: model, path: x }", "6:61: unknown key 'path' in input 'table' of step 'clean'")]
    public async Task Lint_BadRunArtifactInput_ErrorAtPosition(string input, string expected)
    {
        var yaml = $$"""
            pipelines:
              predict:
                steps:
                  clean:
                    uses: community/csv-clean@1.2.0
                    inputs: { table: {{input}} }
            """;

        var result = await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, Fixtures.Context(), Fixtures.Resolver());

        Assert.Contains(expected, result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message}"));
    }

    [Fact]
    public async Task Lint_RunArtifactInputForGitLabCi_Refused()
    {
        const string yaml = """
            pipelines:
              predict:
                steps:
                  clean:
                    uses: community/csv-clean@1.2.0
                    inputs: { table: { run: 1, job: fit, output: model } }
            """;

        var result = await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.GitLabCi, Fixtures.Context(), Fixtures.Resolver());

        Assert.Contains(result.Errors, e => e.Message == "an input from an earlier run's artifacts cannot be staged by GitLab CI");
    }

    [Fact]
    public void OperationRun_ParamsAndInputsFromJson_OneJobWithDefaultsFilledIn()
    {
        var errors = new ErrorSink("request");
        var inputs = JsonDocument.Parse("""{ "table": "data/iris.csv" }""").RootElement;
        var parameters = JsonDocument.Parse("""{ "model": "forest", "max_iter": 50, "features": ["a", "b"] }""").RootElement;

        var graph = OperationRun.Compile(Train(), inputs, parameters, Fixtures.Context(), errors);

        Assert.False(errors.HasErrors, string.Join("\n", errors.Errors));
        var job = Assert.Single(graph!.Jobs);
        Assert.Equal("operation", graph.Pipeline);
        Assert.Equal("sklearn-train", job.Name);
        Assert.Equal(["python3", "/op/train.py", "--table", "data/iris.csv", "--out", ".mlops/sklearn-train/model",
            "--model", "forest", "--max-iter", "50", "a", "b"], job.Argv);
        Assert.Equal(new OperationIdentity("community", "sklearn-train", "2.0.1", Fixtures.TrainSha), job.Operation);
    }

    [Fact]
    public void OperationRun_BadParams_ErrorsNameEachParam()
    {
        var errors = new ErrorSink("request");
        var inputs = JsonDocument.Parse("""{ "table": "data/iris.csv" }""").RootElement;
        var parameters = JsonDocument.Parse("""{ "max_iter": 0, "model": "tree", "depth": 3, "features": "a" }""").RootElement;

        Assert.Null(OperationRun.Compile(Train(), inputs, parameters, Fixtures.Context(), errors));

        Assert.Equal(
            ["param 'max_iter' must be at least 1, got 0",
             "param 'model' must be one of logistic, forest, got 'tree'",
             "operation community/sklearn-train@2.0.1 has no param 'depth'",
             "param 'features' must be a list, got 'a'"],
            errors.Errors.Select(e => e.Message));
    }

    [Fact]
    public void OperationRun_MissingInput_ErrorNamesIt()
    {
        var errors = new ErrorSink("request");

        Assert.Null(OperationRun.Compile(Train(), null, null, Fixtures.Context(), errors));

        Assert.Equal("step 'sklearn-train' is missing required input 'table'", Assert.Single(errors.Errors).Message);
    }
}
