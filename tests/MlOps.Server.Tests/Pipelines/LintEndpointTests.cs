namespace MlOps.Server.Tests.Pipelines;

public sealed class LintEndpointTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    private const string TwoSteps = """
        pipelines:
          train:
            steps:
              prepare:
                image: python:3.12-slim
                run: python3 prepare.py > out/table.csv
                outputs: { table: out/table.csv }
              fit:
                image: python:3.12-slim
                needs: [prepare]
                resources: { gpus: 1, memory: 2Gi }
                run: python3 fit.py "${{ steps.prepare.outputs.table }}"
        """;

    [Fact]
    public async Task Lint_ValidPipeline_AnswersJobGraphBilledToTheProjectsClient()
    {
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = "lintco" }));
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "lintco", path = "iris" }));

        var body = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/lint", new { content = TwoSteps, project = "lintco/iris" }));

        Assert.True(body.GetProperty("valid").GetBoolean());
        Assert.Empty(body.GetProperty("errors").EnumerateArray());
        var graph = body.GetProperty("jobs")[0];
        Assert.Contains("lintco", graph.ToString());
        Assert.Contains("prepare", graph.ToString());
    }

    [Fact]
    public async Task Lint_UnknownNeedAndOperation_AnswersEveryErrorWithPosition()
    {
        using var admin = server.Admin();
        const string content = """
            pipelines:
              train:
                steps:
                  fit:
                    uses: community/sklearn-train@2.0.1
                    needs: [prepare]
            """;

        var body = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/lint", new { content }));

        Assert.False(body.GetProperty("valid").GetBoolean());
        var errors = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.True(errors.Count >= 2, body.ToString());
        Assert.All(errors, e => Assert.True(e.GetProperty("line").GetInt32() >= 5));
        Assert.Contains(errors, e => e.GetProperty("message").GetString()!.Contains("prepare"));
        Assert.Contains(errors, e => e.GetProperty("message").GetString()!.Contains("sklearn-train"));
    }

    [Fact]
    public async Task Lint_YamlSyntaxError_AnswersLineAndColumn()
    {
        using var admin = server.Admin();

        var body = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/lint", new { content = "pipelines:\n  train: [unclosed\n" }));

        Assert.False(body.GetProperty("valid").GetBoolean());
        var error = body.GetProperty("errors")[0];
        Assert.True(error.GetProperty("line").GetInt32() >= 2);
        Assert.True(error.GetProperty("column").GetInt32() >= 1);
    }

    [Fact]
    public async Task Lint_GitLabTarget_AnswersGitLabCiYaml()
    {
        using var admin = server.Admin();

        var body = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/lint", new { content = TwoSteps, target = "gitlab-ci" }));

        Assert.True(body.GetProperty("valid").GetBoolean());
        var yaml = body.GetProperty("gitlab_ci").GetString()!;
        Assert.Contains("stages:", yaml);
        Assert.Contains("gpu", yaml);
    }

    [Fact]
    public async Task Lint_BadTargetOrMissingContent_ProblemNamesFields()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsJsonAsync("/api/v1/lint", new { target = "jenkins" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await MlOpsServer.Read(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("content", out _));
        Assert.True(errors.TryGetProperty("target", out _));
    }

    [Fact]
    public async Task Lint_ProjectTheCallerCannotSee_NotFound()
    {
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = "secretco" }));
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "secretco", path = "x" }));
        using var outsider = server.As(await server.CreateUserAsync("lint-outsider"));

        var response = await outsider.PostAsJsonAsync("/api/v1/lint", new { content = TwoSteps, project = "secretco/x" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Lint_Anonymous_Unauthorized()
    {
        using var client = server.Anonymous();

        var response = await client.PostAsJsonAsync("/api/v1/lint", new { content = TwoSteps });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
