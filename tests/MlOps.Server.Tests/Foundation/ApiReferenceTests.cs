namespace MlOps.Server.Tests.Foundation;

/// <summary>The served OpenAPI document and the interactive reference page, as a client reads them.</summary>
public sealed class ApiReferenceTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var client = server.Anonymous();
        return await MlOpsServer.Ensure(await client.GetAsync("/openapi/v1.json"));
    }

    private static IEnumerable<(string Path, string Method, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(path => path.Value.EnumerateObject()
            .Where(o => o.Name is "get" or "post" or "put" or "patch" or "delete")
            .Select(o => (path.Name, o.Name, o.Value)));

    [Fact]
    public async Task OpenApi_SecuritySchemes_BearerAndPrivateTokenHeader()
    {
        var document = await DocumentAsync();

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("http", schemes.GetProperty("bearer").GetProperty("type").GetString());
        Assert.Equal("bearer", schemes.GetProperty("bearer").GetProperty("scheme").GetString());
        Assert.Equal("apiKey", schemes.GetProperty("private_token").GetProperty("type").GetString());
        Assert.Equal("header", schemes.GetProperty("private_token").GetProperty("in").GetString());
        Assert.Equal("PRIVATE-TOKEN", schemes.GetProperty("private_token").GetProperty("name").GetString());
        var project = document.GetProperty("paths").GetProperty("/api/v1/projects/{namespace}/{project}").GetProperty("get");
        Assert.Equal(["bearer", "private_token"], project.GetProperty("security").EnumerateArray()
            .Select(r => Assert.Single(r.EnumerateObject()).Name).ToArray());
        Assert.Empty(document.GetProperty("paths").GetProperty("/healthz").GetProperty("get").GetProperty("security").EnumerateArray());
    }

    [Fact]
    public async Task OpenApi_EveryApiOperation_DeclaresItsProblemResponses()
    {
        var document = await DocumentAsync();

        var api = Operations(document).Where(o => o.Path.StartsWith("/api/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(api);
        foreach (var (path, method, operation) in api)
        {
            var responses = operation.GetProperty("responses");
            foreach (var status in new[] { "401", "403" })
            {
                Assert.True(responses.TryGetProperty(status, out var response), $"{method} {path} lacks {status}");
                Assert.Equal("#/components/schemas/ProblemDetails", response.GetProperty("content")
                    .GetProperty("application/problem+json").GetProperty("schema").GetProperty("$ref").GetString());
            }
            Assert.Equal(path.Contains('{'), responses.TryGetProperty("404", out _));
            Assert.Equal(operation.TryGetProperty("requestBody", out _), responses.TryGetProperty("413", out _));
        }
        var create = document.GetProperty("paths").GetProperty("/api/v1/projects").GetProperty("post").GetProperty("responses");
        Assert.Equal(["201", "400", "401", "403", "409", "413", "415"], create.EnumerateObject().Select(r => r.Name).Order().ToArray());
        Assert.Equal(["status", "title"], document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails")
            .GetProperty("required").EnumerateArray().Select(e => e.GetString()!).Order().ToArray());
    }

    [Fact]
    public async Task OpenApi_LintRequest_OnlyContentIsRequired()
    {
        var document = await DocumentAsync();

        var lint = document.GetProperty("components").GetProperty("schemas").GetProperty("LintRequest");

        Assert.Equal(["content"], lint.GetProperty("required").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.True(lint.GetProperty("properties").TryGetProperty("target", out _));
    }

    [Fact]
    public async Task ApiReference_Page_ServesHtmlAndItsOwnAssets()
    {
        using var client = server.Anonymous();

        var page = await client.GetAsync("/api/reference/");
        var script = await client.GetAsync("/api/reference/scalar.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html);
        Assert.Contains("<script src=\"scalar.js\"></script>", html);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000);
    }
}
