namespace MlOps.Pipelines.Tests;

public class OperationTests
{
    private static Task<LintResult> Lint(string yaml) =>
        PipelineLinter.LintAsync(yaml, LintFileKind.Operation, LintTarget.Jobs, Fixtures.Context(), Fixtures.Resolver()).AsTask();

    [Fact]
    public async Task Lint_ValidManifest_ReturnsParsedOperation()
    {
        var result = await Lint(Fixtures.TrainManifest);

        Assert.True(result.Valid);
        Assert.Equal(["model", "max_iter", "features"], result.Operation!.Params.Select(p => p.Name));
        Assert.Equal(["trainable", "tabular"], result.Operation.Tags);
    }

    [Fact]
    public async Task Lint_BadManifest_ReportsEveryProblem()
    {
        var yaml = """
            name: x
            kind: algoritm
            image: a
            build: Dockerfile
            command: [run, "{{params.rate}}", "--f={{params.fs}}"]
            params:
              fs: { type: list }
              n: { type: int, default: 2.5, min: 3 }
            outputs: { m: { type: modle } }
            """;

        var result = await Lint(yaml);

        Assert.Equal(
            ["1:1: an operation needs exactly one of image or build | image: registry/name:tag, or build: Dockerfile",
             "2:7: unknown kind 'algoritm' | did you mean 'algorithm'?",
             "5:16: placeholder '{{params.rate}}' refers to no declared param 'rate' | declared params: fs, n",
             "5:35: list param 'fs' must be a whole argument, not part of '--f={{params.fs}}' | a list expands into one argument per item",
             "8:28: default of param 'n' must be an int, got '2.5' | ",
             "9:23: unknown type 'modle' of output 'm' | did you mean 'model'?"],
            result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message} | {e.Hint}"));
    }

    [Fact]
    public async Task Lint_InlineScriptWithSingleQuotes_ReopensQuotesAroundVariable()
    {
        var yaml = "pipelines:\n  p:\n    params: { who: world }\n    steps:\n      a: { image: alpine, run: \"echo 'hi ${{ params.who }}!'\" }";

        var job = (await Fixtures.Lint(yaml)).Jobs[0].Jobs[0];

        Assert.Equal("echo 'hi '\"${MLOPS_PARAMS_WHO}\"'!'", job.Argv[2]);
        Assert.Equal("world", job.Env["MLOPS_PARAMS_WHO"]);
    }
}
