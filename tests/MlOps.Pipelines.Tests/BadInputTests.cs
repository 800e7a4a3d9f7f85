using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Tests;

public class BadInputTests
{
    private static async Task<string[]> Errors(string yaml, YamlLimits? limits = null)
    {
        var result = await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, Fixtures.Context(), Fixtures.Resolver(), default, limits);
        Assert.False(result.Valid);
        return result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message}").ToArray();
    }

    [Theory]
    [InlineData("- a\n- b", "1:1: mlops.yml must be a mapping, got a list")]
    [InlineData("just text", "1:1: mlops.yml must be a mapping, got 'just text'")]
    [InlineData("", "1:1: the file is empty")]
    [InlineData("a: 1\n---\nb: 2", "2:1: a definition file holds one YAML document")]
    [InlineData("pipelines:\n  p:\n    steps:\n      a: { image: x, run: y }\n      a: { image: x, run: y }", "5:7: duplicate key 'a'")]
    public async Task Lint_MalformedFile_ReportsOneClearError(string yaml, string expected)
    {
        Assert.Equal([expected], await Errors(yaml));
    }

    [Fact]
    public async Task Lint_SyntaxError_ReportsPositionNotException()
    {
        var errors = await Errors("pipelines: {a: [}");

        Assert.Single(errors);
        Assert.StartsWith("1:17: invalid YAML: ", errors[0]);
    }

    [Fact]
    public async Task Lint_AliasBomb_StopsAtExpansionBudget()
    {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
        for (var i = 1; i < 10; i++) yaml += $"{(char)('a' + i)}: &{(char)('a' + i)} [*{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}, *{(char)('a' + i - 1)}]\n";

        var errors = await Errors(yaml);

        Assert.Single(errors);
        Assert.EndsWith("the document expands to more than 250000 nodes", errors[0]);
    }

    [Fact]
    public async Task Lint_DeepNesting_RefusedAtDepthLimit()
    {
        var yaml = new string('[', 10_000) + new string(']', 10_000);

        Assert.Equal(["1:65: nesting is deeper than 64 levels"], await Errors(yaml));
    }

    [Fact]
    public async Task Lint_OversizedFile_RefusedBeforeParsing()
    {
        var yaml = "# " + new string('x', 1024 * 1024);

        Assert.Equal(["1:1: file is larger than 1048576 bytes"], await Errors(yaml));
    }

    [Fact]
    public async Task Lint_TooManySteps_ReportsLimit()
    {
        var yaml = "pipelines:\n  p:\n    steps:\n" + string.Concat(Enumerable.Range(0, 1001).Select(i => $"      s{i}: {{ image: a, run: b }}\n"));

        Assert.Equal(["4:7: pipeline 'p' has 1001 steps; the limit is 1000"], await Errors(yaml));
    }

    [Fact]
    public async Task Lint_NonScalarKey_ReportsInsteadOfThrowing()
    {
        Assert.Equal(["1:1: mlops.yml has no pipelines", "1:3: a mapping key must be a plain string, not a list"], await Errors("? [a]\n: b"));
    }
}
