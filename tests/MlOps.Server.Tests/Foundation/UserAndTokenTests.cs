using Dapper;
using Npgsql;

namespace MlOps.Server.Tests.Foundation;

public sealed class UserAndTokenTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task CreateUser_InvalidFields_NamesEveryFieldAndWritesNothing()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { username = "bad name", email = "not-an-email", password = "short" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await MlOpsServer.Read(response)).GetProperty("errors");
        Assert.Equal("username must be 1 to 63 characters: letters, digits, '_', '-' or '.', starting with a letter or digit.",
            errors.GetProperty("username")[0].GetString());
        Assert.Equal("email must be an email address.", errors.GetProperty("email")[0].GetString());
        Assert.Equal("password must be at least 12 characters.", errors.GetProperty("password")[0].GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/v1/users/bad%20name")).StatusCode);
    }

    [Theory]
    [InlineData("api")]
    [InlineData("admin")]
    [InlineData("foo.git")]
    [InlineData("..")]
    public async Task CreateUser_ReservedOrUnsafeName_IsRefused(string username)
    {
        using var admin = server.Admin();

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { username, email = $"{Unique("x")}@example.com" });

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Conflict, $"{username}: {response.StatusCode}");
    }

    [Fact]
    public async Task CreateUser_DuplicateUsernameOrEmail_ConflictNamesTheField()
    {
        using var admin = server.Admin();
        var name = Unique("dup");
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/users", new { username = name, email = $"{name}@example.com" }));

        var sameName = await admin.PostAsJsonAsync("/api/v1/users", new { username = name.ToUpperInvariant(), email = $"{name}-2@example.com" });
        var sameEmail = await admin.PostAsJsonAsync("/api/v1/users", new { username = name + "b", email = $"{name}@EXAMPLE.com" });

        Assert.Equal(HttpStatusCode.Conflict, sameName.StatusCode);
        Assert.Equal("username", (await MlOpsServer.Read(sameName)).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.Conflict, sameEmail.StatusCode);
        Assert.Equal("email", (await MlOpsServer.Read(sameEmail)).GetProperty("field").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/users/{name}b")).StatusCode);
    }

    [Fact]
    public async Task CreateUser_NameOfExistingGroup_Conflict()
    {
        using var admin = server.Admin();
        var name = Unique("grp");
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = name }));

        var response = await admin.PostAsJsonAsync("/api/v1/users", new { username = name, email = $"{name}@example.com" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Post_MalformedJson_ProblemNamesTheField()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsync("/api/v1/groups",
            new StringContent("""{"path": "x", "visibility": 5}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await MlOpsServer.Read(response);
        Assert.Equal("Malformed JSON", problem.GetProperty("title").GetString());
        Assert.True(problem.GetProperty("errors").TryGetProperty("visibility", out _));
    }

    [Fact]
    public async Task Post_OversizeBody_PayloadTooLarge()
    {
        using var admin = server.Admin();
        var description = new string('x', 2 * 1024 * 1024);

        var response = await admin.PostAsJsonAsync("/api/v1/groups", new { path = Unique("big"), description });

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Token_CreatedOnce_StoredHashedAndListedWithoutSecret()
    {
        var name = Unique("tok");
        var token = await server.CreateUserAsync(name);
        using var self = server.As(token);

        var list = await MlOpsServer.Ensure(await self.GetAsync($"/api/v1/users/{name}/tokens"));
        await using var connection = new NpgsqlConnection(server.Database.ConnectionString);
        var stored = await connection.QueryAsync<string>("SELECT encode(token_hash, 'hex') || token_prefix FROM personal_access_tokens");

        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.False(item.TryGetProperty("token", out _));
        Assert.Equal(token[..10], item.GetProperty("token_prefix").GetString());
        Assert.DoesNotContain(stored, s => s.Contains(token, StringComparison.Ordinal));
        Assert.Equal(name, (await MlOpsServer.Ensure(await self.GetAsync("/api/v1/user"))).GetProperty("username").GetString());
    }

    [Fact]
    public async Task Token_Revoked_IsRefused401()
    {
        var name = Unique("rev");
        var token = await server.CreateUserAsync(name);
        using var self = server.As(token);
        var id = (await MlOpsServer.Ensure(await self.GetAsync($"/api/v1/users/{name}/tokens"))).GetProperty("items")[0].GetProperty("id").GetInt64();

        Assert.Equal(HttpStatusCode.NoContent, (await self.DeleteAsync($"/api/v1/users/{name}/tokens/{id}")).StatusCode);
        var after = await self.GetAsync("/api/v1/user");

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("Bearer", after.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task Token_Expired_IsRefused401()
    {
        var name = Unique("exp");
        await server.CreateUserAsync(name);
        var token = await server.CreateTokenAsync(name, ["api"], DateTimeOffset.UtcNow.AddSeconds(2));
        using var self = server.As(token);
        Assert.Equal(HttpStatusCode.OK, (await self.GetAsync("/api/v1/user")).StatusCode);

        await Task.Delay(TimeSpan.FromSeconds(2.5));

        Assert.Equal(HttpStatusCode.Unauthorized, (await self.GetAsync("/api/v1/user")).StatusCode);
    }

    [Fact]
    public async Task Token_WithoutApiScope_ForbiddenOnApi()
    {
        var name = Unique("git");
        await server.CreateUserAsync(name);
        var gitOnly = await server.CreateTokenAsync(name, ["read_repository"]);
        using var client = server.As(gitOnly);

        var response = await client.GetAsync("/api/v1/user");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("This token lacks the 'api' scope.", (await MlOpsServer.Read(response)).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("Bearer nope")]
    [InlineData("Basic !!!notbase64")]
    [InlineData("Digest abc")]
    public async Task WrongCredentials_Unauthorized(string authorization)
    {
        using var client = server.Anonymous();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);

        var response = await client.GetAsync("/api/v1/projects");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task PrivateTokenHeaderAndBasic_Authenticate()
    {
        var name = Unique("hdr");
        var token = await server.CreateUserAsync(name);
        using var gitlabStyle = server.Anonymous();
        gitlabStyle.DefaultRequestHeaders.Add("PRIVATE-TOKEN", token);
        using var basic = server.Anonymous();
        basic.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{name}:{token}")));
        using var basicOtherUser = server.Anonymous();
        basicOtherUser.DefaultRequestHeaders.Authorization = new("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{token}")));

        Assert.Equal(HttpStatusCode.OK, (await gitlabStyle.GetAsync("/api/v1/user")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await basic.GetAsync("/api/v1/user")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await basicOtherUser.GetAsync("/api/v1/user")).StatusCode);
    }

    [Fact]
    public async Task CreateToken_UnknownScopeOrPastExpiry_BadRequest()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsJsonAsync("/api/v1/users/admin/tokens",
            new { name = "t", scopes = new[] { "api", "sudo" }, expires_at = DateTimeOffset.UtcNow.AddDays(-1) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await MlOpsServer.Read(response)).GetProperty("errors");
        Assert.Equal("'sudo' is not a scope; use api, read_repository, write_repository.", errors.GetProperty("scopes")[0].GetString());
        Assert.Equal("expires_at must be in the future.", errors.GetProperty("expires_at")[0].GetString());
    }

    [Fact]
    public async Task CreateGroup_NulInName_BadRequestNamingTheField()
    {
        using var admin = server.Admin();

        var response = await admin.PostAsync("/api/v1/groups",
            new StringContent("""{"path": "nul-group", "name": "a\u0000b"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("name must not contain control characters.",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("name")[0].GetString());
    }

    [Fact]
    public async Task GitOnlyToken_MalformedBody_StillForbidden()
    {
        var name = Unique("gitonly");
        await server.CreateUserAsync(name);
        using var client = server.As(await server.CreateTokenAsync(name, ["write_repository"]));

        var response = await client.PostAsync("/api/v1/groups", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
