namespace MlOps.Server.Tests.Foundation;

public sealed class HealthTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    [Theory]
    [InlineData("/healthz", "ok")]
    [InlineData("/readyz", "ready")]
    public async Task Probe_Anonymous_AnswersOk(string path, string status)
    {
        using var client = server.Anonymous();

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(status, (await MlOpsServer.Read(response)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_Document_DescribesTheApi()
    {
        using var client = server.Anonymous();

        var document = await MlOpsServer.Ensure(await client.GetAsync("/openapi/v1.json"));

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/api/v1/projects/{namespace}/{project}", out _));
        Assert.True(paths.TryGetProperty("/api/v1/users/{username}/tokens", out _));
        Assert.True(paths.TryGetProperty("/api/v1/groups/{group}/members", out _));
    }

    [Fact]
    public async Task Metrics_Admin_ExposesPrometheusText()
    {
        using var admin = server.Admin();
        await admin.GetAsync("/healthz");

        var response = await admin.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE", text);
        Assert.Contains("http_server_request_duration_seconds", text);
    }

    [Fact]
    public async Task UnknownRoute_AnswersProblem()
    {
        using var client = server.Anonymous();

        var response = await client.GetAsync("/api/v1/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
