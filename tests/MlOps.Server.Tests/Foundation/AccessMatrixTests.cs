namespace MlOps.Server.Tests.Foundation;

/// <summary>
/// Every endpoint × every kind of caller, asserting the exact status code. Each case builds its
/// own private group `g…` (members: reporter, developer, maintainer, owner, extra) holding a
/// private project `p` (extra is also a direct project member), so cases run in any order.
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixTests.Fixture fixture) : IClassFixture<AccessMatrixTests.Fixture>
{
    public enum Role { Anonymous, Outsider, Reporter, Developer, Maintainer, Owner, Admin }

    public sealed class Fixture : MlOpsServer
    {
        public Dictionary<Role, string?> Tokens { get; } = new();

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Tokens[Role.Anonymous] = null;
            Tokens[Role.Admin] = AdminToken;
            foreach (var role in new[] { Role.Outsider, Role.Reporter, Role.Developer, Role.Maintainer, Role.Owner })
            {
                Tokens[role] = await CreateUserAsync(UserOf(role));
            }
            await CreateUserAsync("extra");
            await CreateUserAsync("newbie");
        }

        /// <summary>A fresh private group with the five members and a private project; returns the group path.</summary>
        public async Task<string> ArrangeAsync()
        {
            var group = "g" + Guid.NewGuid().ToString("N")[..10];
            using var admin = Admin();
            await Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group, visibility = "private" }));
            foreach (var (role, level) in new[] { (Role.Reporter, "reporter"), (Role.Developer, "developer"),
                         (Role.Maintainer, "maintainer"), (Role.Owner, "owner") })
            {
                await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = UserOf(role), role = level }));
            }
            await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = "extra", role = "developer" }));
            await Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p", visibility = "private" }));
            await Ensure(await admin.PostAsJsonAsync($"/api/v1/projects/{group}/p/members", new { username = "extra", role = "developer" }));
            return group;
        }
    }

    public static string UserOf(Role role) => role.ToString().ToLowerInvariant() + "-user";

    private sealed record Case(string Method, string Url, object? Body, int[] Expected);

    // Expected codes in Role order: anonymous, outsider, reporter, developer, maintainer, owner, admin.
    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["GET project"] = new("GET", "/api/v1/projects/{g}/p", null, [404, 404, 200, 200, 200, 200, 200]),
        ["PATCH project"] = new("PATCH", "/api/v1/projects/{g}/p", new { description = "new" }, [401, 404, 403, 403, 200, 200, 200]),
        ["DELETE project"] = new("DELETE", "/api/v1/projects/{g}/p", null, [401, 404, 403, 403, 403, 204, 204]),
        ["POST project"] = new("POST", "/api/v1/projects", new { @namespace = "{g}", path = "q" }, [401, 400, 403, 201, 201, 201, 201]),
        ["GET projects"] = new("GET", "/api/v1/projects", null, [200, 200, 200, 200, 200, 200, 200]),
        ["GET project members"] = new("GET", "/api/v1/projects/{g}/p/members", null, [404, 404, 200, 200, 200, 200, 200]),
        ["POST project member"] = new("POST", "/api/v1/projects/{g}/p/members", new { username = "newbie", role = "developer" },
            [401, 404, 403, 403, 201, 201, 201]),
        ["PUT project member"] = new("PUT", "/api/v1/projects/{g}/p/members/extra", new { role = "reporter" },
            [401, 404, 403, 403, 200, 200, 200]),
        ["DELETE project member"] = new("DELETE", "/api/v1/projects/{g}/p/members/extra", null, [401, 404, 403, 403, 204, 204, 204]),
        ["GET project audit"] = new("GET", "/api/v1/projects/{g}/p/audit_events", null, [401, 404, 403, 403, 200, 200, 200]),
        ["GET group"] = new("GET", "/api/v1/groups/{g}", null, [404, 404, 200, 200, 200, 200, 200]),
        ["GET groups"] = new("GET", "/api/v1/groups", null, [200, 200, 200, 200, 200, 200, 200]),
        ["POST group"] = new("POST", "/api/v1/groups", new { path = "{g}-top" }, [401, 201, 201, 201, 201, 201, 201]),
        ["POST subgroup"] = new("POST", "/api/v1/groups", new { path = "sub", parent = "{g}" }, [401, 400, 403, 403, 201, 201, 201]),
        ["PATCH group"] = new("PATCH", "/api/v1/groups/{g}", new { description = "new" }, [401, 404, 403, 403, 403, 200, 200]),
        ["DELETE group"] = new("DELETE", "/api/v1/groups/{g}", null, [401, 404, 403, 403, 403, 204, 204]),
        ["GET group members"] = new("GET", "/api/v1/groups/{g}/members", null, [404, 404, 200, 200, 200, 200, 200]),
        ["POST group member"] = new("POST", "/api/v1/groups/{g}/members", new { username = "newbie", role = "reporter" },
            [401, 404, 403, 403, 201, 201, 201]),
        ["POST group owner"] = new("POST", "/api/v1/groups/{g}/members", new { username = "newbie", role = "owner" },
            [401, 404, 403, 403, 403, 201, 201]),
        ["PUT group member"] = new("PUT", "/api/v1/groups/{g}/members/extra", new { role = "reporter" }, [401, 404, 403, 403, 200, 200, 200]),
        ["DELETE group member"] = new("DELETE", "/api/v1/groups/{g}/members/extra", null, [401, 404, 403, 403, 204, 204, 204]),
        ["GET group audit"] = new("GET", "/api/v1/groups/{g}/audit_events", null, [401, 404, 403, 403, 403, 200, 200]),
        ["POST user"] = new("POST", "/api/v1/users", new { username = "{g}-u", email = "{g}@example.com" }, [401, 403, 403, 403, 403, 403, 201]),
        ["GET users"] = new("GET", "/api/v1/users", null, [401, 403, 403, 403, 403, 403, 200]),
        ["GET user"] = new("GET", "/api/v1/users/extra", null, [401, 200, 200, 200, 200, 200, 200]),
        ["GET current user"] = new("GET", "/api/v1/user", null, [401, 200, 200, 200, 200, 200, 200]),
        ["POST reporter token"] = new("POST", "/api/v1/users/reporter-user/tokens", new { name = "t", scopes = new[] { "api" } },
            [401, 403, 201, 403, 403, 403, 201]),
        ["GET reporter tokens"] = new("GET", "/api/v1/users/reporter-user/tokens", null, [401, 403, 200, 403, 403, 403, 200]),
        ["GET audit"] = new("GET", "/api/v1/audit_events", null, [401, 403, 403, 403, 403, 403, 200]),
        ["GET metrics"] = new("GET", "/metrics", null, [401, 403, 403, 403, 403, 403, 200]),
        ["POST lint"] = new("POST", "/api/v1/lint", new { content = "pipelines: {}", project = "{g}/p" }, [401, 404, 200, 200, 200, 200, 200]),
        ["GET branches"] = new("GET", "/api/v1/projects/{g}/p/repository/branches", null, [404, 404, 200, 200, 200, 200, 200]),
        ["GET tags"] = new("GET", "/api/v1/projects/{g}/p/repository/tags", null, [404, 404, 200, 200, 200, 200, 200]),
        ["GET protected branches"] = new("GET", "/api/v1/projects/{g}/p/protected_branches", null, [404, 404, 200, 200, 200, 200, 200]),
        ["POST protected branch"] = new("POST", "/api/v1/projects/{g}/p/protected_branches", new { name = "release" },
            [401, 404, 403, 403, 201, 201, 201]),
        ["DELETE protected branch"] = new("DELETE", "/api/v1/projects/{g}/p/protected_branches/main", null, [401, 404, 403, 403, 204, 204, 204]),
        ["GET push events"] = new("GET", "/api/v1/projects/{g}/p/push_events", null, [404, 404, 200, 200, 200, 200, 200]),
        ["PUT gitlab link"] = new("PUT", "/api/v1/projects/{g}/p/gitlab", new { url = "http://127.0.0.1:9/", project = "a/b", token = "glpat-x" },
            [401, 404, 403, 403, 400, 400, 400]),
        ["GET runners"] = new("GET", "/api/v1/runners", null, [401, 403, 403, 403, 403, 403, 200]),
        ["GET client statement"] = new("GET", "/api/v1/clients/{g}/statement?format=csv", null, [404, 404, 403, 403, 403, 200, 200]),
        ["GET client ledger"] = new("GET", "/api/v1/clients/{g}/usage_entries", null, [404, 404, 403, 403, 403, 200, 200]),
        ["GET client quota"] = new("GET", "/api/v1/clients/{g}/quota", null, [404, 404, 403, 403, 403, 200, 200]),
        ["GET client quota events"] = new("GET", "/api/v1/clients/{g}/quota_events", null, [404, 404, 403, 403, 403, 200, 200]),
        ["PUT client quota"] = new("PUT", "/api/v1/clients/{g}/quota", new { concurrent_jobs = 2 }, [401, 403, 403, 403, 403, 403, 200]),
        ["GET prices"] = new("GET", "/api/v1/admin/prices", null, [401, 403, 403, 403, 403, 403, 200]),
        ["POST price"] = new("POST", "/api/v1/admin/prices", new { resource = "cpu", unit_price = 1, effective_from = "2026-01-01", client = "{g}" },
            [401, 403, 403, 403, 403, 403, 201]),
        ["POST usage correction"] = new("POST", "/api/v1/admin/usage_corrections",
            new { client = "{g}", key = "{g}", resource = "cpu", quantity = -1, day = "2026-01-01", note = "test" }, [401, 403, 403, 403, 403, 403, 201]),
        ["GET healthz"] = new("GET", "/healthz", null, [200, 200, 200, 200, 200, 200, 200]),
        ["GET readyz"] = new("GET", "/readyz", null, [200, 200, 200, 200, 200, 200, 200]),
    };

    public static TheoryData<string, Role> Matrix()
    {
        var data = new TheoryData<string, Role>();
        foreach (var name in Cases.Keys)
        {
            foreach (var role in Enum.GetValues<Role>())
            {
                data.Add(name, role);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Caller_AnswersExactStatus(string endpoint, Role role)
    {
        var group = await fixture.ArrangeAsync();
        var @case = Cases[endpoint];
        using var client = fixture.Tokens[role] is { } token ? fixture.As(token) : fixture.Anonymous();
        using var request = new HttpRequestMessage(new HttpMethod(@case.Method), @case.Url.Replace("{g}", group));
        if (@case.Body is not null)
        {
            var json = JsonSerializer.Serialize(@case.Body, MlOpsServer.Json).Replace("{g}", group);
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await client.SendAsync(request);

        var expected = @case.Expected[(int)role];
        Assert.True(expected == (int)response.StatusCode,
            $"{endpoint} as {role}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }
}
