using System.Text;
using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Infrastructure;

namespace MlOps.Server.Tests.Foundation;

/// <summary>
/// Bad requests answered in the API's own words (no binder internals or .NET type names), 415 for
/// the wrong content type, NUL characters refused, push events readable by whoever sees the project,
/// upload leftovers removed.
/// </summary>
public sealed class RequestHygieneTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    private async Task<string> ProjectAsync(string visibility = "public")
    {
        var path = "p" + Guid.NewGuid().ToString("N")[..10];
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "admin", path, visibility }));
        return $"/api/v1/projects/admin/{path}";
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        foreach (var leak in new[] { "Nullable", "Failed to bind", "Implicit body", "Did you mean", "MlOps.", "System." })
        {
            Assert.DoesNotContain(leak, body);
        }
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    [Theory]
    [InlineData("/repository/commits?per_page=abc", "per_page", "per_page must be a whole number.")]
    [InlineData("/repository/commits?per_page=99999999999999", "per_page", "per_page must be a whole number.")]
    [InlineData("/repository/files/a.txt/raw?lfs=maybe", "lfs", "lfs must be true or false.")]
    public async Task Get_UnparsableQueryParameter_400NamingTheField(string query, string field, string message)
    {
        var project = await ProjectAsync();
        using var admin = server.Admin();

        var problem = await ProblemAsync(await admin.GetAsync(project + query), HttpStatusCode.BadRequest);

        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Put_JsonEndpointWithoutBody_400NeedsAJsonBody()
    {
        var project = await ProjectAsync();
        using var admin = server.Admin();

        var response = await admin.PutAsync(project + "/gitlab", new StringContent("", Encoding.UTF8, "application/json"));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("The request needs a JSON body.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Post_JsonEndpointWithAnotherContentType_415(string? contentType)
    {
        using var admin = server.Admin();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/projects")
        {
            Content = new ByteArrayContent("""{"namespace":"admin","path":"x"}"""u8.ToArray()),
        };
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var problem = await ProblemAsync(await admin.SendAsync(request), HttpStatusCode.UnsupportedMediaType);

        Assert.Equal("The request body must be JSON, sent with Content-Type: application/json.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Post_UnknownRouteWithAnotherContentType_StillNotFound()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsync("/api/v1/no-such-thing", new StringContent("x", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/repository/tree?ref=main%00x", "ref")]
    [InlineData("/repository/tree?ref=main&path=data%00/a", "path")]
    [InlineData("/repository/files/a.txt/raw?ref=ma%00in", "ref")]
    public async Task Get_NulInQueryParameter_400NamingIt(string query, string field)
    {
        var project = await ProjectAsync();
        using var admin = server.Admin();

        var problem = await ProblemAsync(await admin.GetAsync(project + query), HttpStatusCode.BadRequest);

        Assert.Equal($"{field} must not contain NUL characters.", problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task Middleware_NulInDecodedPath_ValidationProblem()
    {
        // Kestrel and the test server refuse `%00` in the request target before the application
        // runs (an empty 400 that cannot be customised); a host or proxy that decodes it into the
        // path reaches this check.
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Path = "/api/v1/projects/admin/p/repository/files/a\0b/raw";
        var middleware = new MlOps.Server.Infrastructure.Http.RequestTextGuardMiddleware(_ => Task.CompletedTask);

        var error = await Assert.ThrowsAsync<MlOps.Server.Infrastructure.Http.ValidationException>(() => middleware.InvokeAsync(context));

        Assert.Equal("The path must not contain NUL characters.", error.Errors["path"][0]);
    }

    [Fact]
    public async Task LfsBatch_WrongShape_MessageWithoutTypeNames()
    {
        var project = await ProjectAsync();
        using var git = server.Anonymous();
        git.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{MlOpsServer.AdminToken}")));
        var repository = project.Replace("/api/v1/projects/", "/") + ".git";

        var response = await git.PostAsync(repository + "/info/lfs/objects/batch",
            new StringContent("""{"operation":"download","objects":[1]}""", Encoding.UTF8, "application/vnd.git-lfs+json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var message = (await MlOpsServer.Read(response)).GetProperty("message").GetString();
        Assert.Equal("The batch request is not valid: malformed JSON at 'objects[0]' (line 1, position 37).", message);
    }

    [Theory]
    [InlineData("public", null, HttpStatusCode.OK)]
    [InlineData("public", "outsider", HttpStatusCode.OK)]
    [InlineData("internal", null, HttpStatusCode.NotFound)]
    [InlineData("internal", "outsider", HttpStatusCode.OK)]
    [InlineData("private", null, HttpStatusCode.NotFound)]
    [InlineData("private", "outsider", HttpStatusCode.NotFound)]
    public async Task PushEvents_WhoeverCanSeeTheProject_MayReadThem(string visibility, string? caller, HttpStatusCode expected)
    {
        var project = await ProjectAsync(visibility);
        var token = caller is null ? null : await server.CreateUserAsync(caller + Guid.NewGuid().ToString("N")[..8]);
        using var client = token is null ? server.Anonymous() : server.As(token);

        var pushEvents = await client.GetAsync(project + "/push_events");
        var branches = await client.GetAsync(project + "/repository/branches");

        Assert.Equal(expected, pushEvents.StatusCode);
        Assert.Equal(branches.StatusCode, pushEvents.StatusCode);
    }

    [Fact]
    public async Task UploadTemporaries_LeftByACrash_RemovedAtStartAndOldOnesByHousekeeping()
    {
        await using var fresh = new MlOpsServer();
        await ((IAsyncLifetime)fresh).InitializeAsync();
        var lfsUpload = Plant(fresh.DataDir, "lfs", "tmp", "0123abcd");
        var quarantine = Plant(fresh.DataDir, "repositories", "07", "7.git", "objects", "tmp_objdir-incoming-Ab12Cd", "pack", "tmp_pack_x");
        var kept = Plant(fresh.DataDir, "repositories", "07", "7.git", "objects", "pack", "pack-1.pack");

        using var _ = fresh.Anonymous();

        Assert.False(File.Exists(lfsUpload));
        Assert.False(Directory.Exists(Path.GetDirectoryName(Path.GetDirectoryName(quarantine))));
        Assert.True(File.Exists(kept));

        var old = Plant(fresh.DataDir, "lfs", "tmp", "old");
        File.SetLastWriteTimeUtc(old, DateTime.UtcNow.AddHours(-7));
        var oldQuarantine = Plant(fresh.DataDir, "repositories", "07", "7.git", "objects", "tmp_objdir-incoming-old", "x");
        File.SetLastWriteTimeUtc(oldQuarantine, DateTime.UtcNow.AddHours(-7));
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(oldQuarantine)!, DateTime.UtcNow.AddHours(-7));
        var inFlight = Plant(fresh.DataDir, "lfs", "tmp", "in-flight");
        var inFlightQuarantine = Plant(fresh.DataDir, "repositories", "07", "7.git", "objects", "tmp_objdir-incoming-new", "x");
        Directory.SetLastWriteTimeUtc(Path.GetDirectoryName(inFlightQuarantine)!, DateTime.UtcNow.AddHours(-7));

        var removed = fresh.Services.GetRequiredService<UploadTemporaries>().Clean(TimeSpan.FromHours(6));

        Assert.Equal(2, removed);
        Assert.False(File.Exists(old));
        Assert.False(File.Exists(oldQuarantine));
        Assert.True(File.Exists(inFlight));
        Assert.True(File.Exists(inFlightQuarantine));
        Assert.True(File.Exists(kept));
    }

    private static string Plant(string root, params string[] parts)
    {
        var path = Path.Combine([root, .. parts]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "partial");
        return path;
    }
}
