namespace MlOps.Pipelines.Tests;

public class ValidationTests
{
    private const string Head = "pipelines:\n  train:\n    steps:\n";

    // Each case: the steps block (indented under "steps:"), then the expected errors as "line:column: message | hint".
    public static TheoryData<string, string[]> InvalidSteps => new()
    {
        { "      fit:\n        uses: community/sklearn-train@2.0.1\n        needs: [trian]\n        inputs: { table: data/x.csv }\n      train:\n        image: alpine\n        run: echo",
          ["6:17: unknown step 'trian' in needs of step 'fit' | did you mean 'train'?"] },
        { "      fit:\n        uses: community/sklearn-train@2.0.1\n        inputs: { table: data/x.csv }\n        params: { max_iter: abc }",
          ["7:29: param 'max_iter' must be an int, got 'abc' | "] },
        { "      fit:\n        uses: community/sklearn-train@2.0.1\n        inputs: { table: data/x.csv }\n        params: { max_iter: 0, model: tree }",
          ["7:29: param 'max_iter' must be at least 1, got 0 | ", "7:39: param 'model' must be one of logistic, forest, got 'tree' | "] },
        { "      a:\n        image: alpine\n        run: echo\n        needs: [b]\n      b:\n        image: alpine\n        run: echo\n        needs: [a]",
          ["4:7: cycle: a -> b -> a | remove one of these needs or output references"] },
        { "      fit:\n        uses: community/sklearn-train@2.0.1\n        inputs: { table: data/x.csv }\n      show:\n        image: alpine\n        run: cat ${{ steps.fit.outputs.metric }}",
          ["9:14: steps.fit has no output 'metric' | did you mean 'metrics'?"] },
        { "      fit:\n        uses: community/sklearn-train@2.0.1",
          ["4:7: step 'fit' is missing required input 'table' | community/sklearn-train@2.0.1 declares inputs: table"] },
        { "      fit:\n        uses: community/sklearn-tran@2.0.1",
          ["5:15: unknown operation 'community/sklearn-tran' | check the name in the operation catalog"] },
        { "      clean:\n        uses: community/csv-clean@9.9.9\n        inputs: { table: data/x.csv }",
          ["5:15: operation 'community/csv-clean' has no version '9.9.9' | known versions: 1.2.0, 1.3.0"] },
        { "      clean:\n        uses: community/csv-clean@latest",
          ["5:15: version 'latest' of community/csv-clean is not exact | pin an exact version such as 1.2.0 or a 40-character commit SHA; ranges and 'latest' would make runs unreproducible"] },
        { "      clean:\n        uses: community/csv-clean@^1.2.0",
          ["5:15: version '^1.2.0' of community/csv-clean is not exact | pin an exact version such as 1.2.0 or a 40-character commit SHA; ranges and 'latest' would make runs unreproducible"] },
        { "      x:\n        image: alpine\n        run: echo\n        neds: [y]",
          ["7:9: unknown key 'neds' in step 'x' | did you mean 'needs'?"] },
        { "      a-b:\n        image: alpine\n        run: echo\n      a_b:\n        image: alpine\n        run: echo",
          ["7:7: step 'a_b' has the same environment variable name as step 'a-b' (A_B) | rename one of them; in variables such as MLOPS_STEPS_A_B_OUTPUTS_<name> '-' becomes '_' and letters are upper-cased"] },
        { "      x:\n        image: alpine",
          ["4:7: step 'x' needs either uses or both image and run | add run: <script> to execute in the image"] },
        { "      x:\n        image: alpine\n        run: echo\n        secrets: { API_KEY: hunter2 }",
          ["7:20: secret 'API_KEY' has a value in the file; secrets lists names only | set its value in the project settings and write secrets: [API_KEY]"] },
        { "      x:\n        image: alpine\n        run: echo\n        env: { DB_PASSWORD: hunter2 }",
          ["7:16: env 'DB_PASSWORD' looks like a secret and must not have its value in the file | set it in the project settings and list it: secrets: [DB_PASSWORD]"] },
        { "      x:\n        image: alpine\n        run: echo\n        resources: { memory: 16GB, timeout: forever, gpus: -1 }",
          ["7:30: memory of step 'x' must be a size, got '16GB' | for example 512Mi, 16Gi or 2G",
           "7:45: timeout of step 'x' must be a duration up to 72h, got 'forever' | for example 90s, 30m, 2h or 1h30m",
           "7:60: gpus of step 'x' must be a whole number from 0 to 64, got '-1' | "] },
        { "      x:\n        image: alpine\n        run: cat ${{ steps.nope.outputs.a }} ${{ secrets.X }}",
          ["6:14: unknown step 'nope' in steps.nope.outputs.a | steps: x",
           "6:14: '${{ secrets.X }}' in run of step 'x' is not a valid reference | use ${{ steps.<step>.outputs.<name> }}, ${{ params.<name> }}, ${{ inputs.<name> }} or ${{ outputs.<name> }}"] },
        { "      x:\n        image: alpine\n        run: echo\n        inputs: { d: /etc/passwd, e: ../up, f: { project: acme/data } }",
          ["7:22: path of input 'd' of step 'x' must be relative to the repository root, got '/etc/passwd' | ",
           "7:38: path of input 'e' of step 'x' must not contain '..', got '../up' | ",
           "7:48: input 'f' of step 'x' names a project but no ref | add ref: a tag, branch or commit SHA (a tag or SHA keeps runs reproducible)"] },
    };

    [Theory]
    [MemberData(nameof(InvalidSteps))]
    public async Task Lint_InvalidStep_ReportsExactErrors(string steps, string[] expected)
    {
        var result = await Fixtures.Lint(Head + steps);

        Assert.False(result.Valid);
        Assert.Equal(expected, result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message} | {e.Hint}"));
        Assert.All(result.Errors, e => Assert.Equal("mlops.yml", e.File));
    }

    [Fact]
    public async Task Lint_SeveralProblems_ReportsAllAtOnce()
    {
        var yaml = Head + "      a:\n        uses: community/nope@1.0.0\n      b:\n        image: alpine\n        run: echo\n        needs: [c]\n        cache: maybe";

        var result = await Fixtures.Lint(yaml);

        Assert.Equal(3, result.Errors.Count);
    }

    [Fact]
    public async Task Lint_UnknownTopLevelKeyAndBadTrigger_ReportsBoth()
    {
        var yaml = "pipelines:\n  p:\n    on:\n      push: { branches: ['rel[0-9]'] }\n      schedule: [{ cron: '0 25 * * *' }]\n    steps:\n      a: { image: alpine, run: echo }\nextra: 1";

        var result = await Fixtures.Lint(yaml);

        Assert.Equal(
            ["4:26: invalid glob 'rel[0-9]' in branches: character classes, braces and backslashes are not supported in globs | ",
             "5:26: cron '0 25 * * *': hour must be 0-23, got 25 | five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *'",
             "8:1: unknown key 'extra' in mlops.yml | expected one of: pipelines"],
            result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message} | {e.Hint}"));
    }

    [Fact]
    public async Task Lint_BadParamOverride_ReportsAtDeclaration()
    {
        var context = Fixtures.Context() with { ParamOverrides = new Dictionary<string, string> { ["iterations"] = "many", ["epochs"] = "3" } };

        var result = await Fixtures.Lint(Fixtures.Example, context: context);

        Assert.Equal(
            ["2:3: pipeline 'train' has no param 'epochs' to override | params: iterations",
             "7:7: override of param 'iterations' must be an int, got 'many' | "],
            result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message} | {e.Hint}"));
    }
}
