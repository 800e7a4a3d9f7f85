using System.Text.Json.Nodes;
using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Foundation;

/// <summary>
/// Every endpoint × every kind of caller × a private and a public project, asserting the exact
/// status code. Each case builds its own group `g…` (members: guest, reporter, developer, maintainer,
/// owner, extra) holding a project `p` of the same visibility (extra is also a direct project
/// member), so cases run in any order. A caller who may not see the private project gets exactly
/// what a project that does not exist gets: the same status and the same problem document.
/// </summary>
public sealed class AccessMatrixTests(AccessMatrixTests.Fixture fixture) : IClassFixture<AccessMatrixTests.Fixture>
{
    public enum Role { Anonymous, Outsider, Guest, Reporter, Developer, Maintainer, Owner, Admin }

    public sealed class Fixture : MlOpsServer
    {
        public Dictionary<Role, string?> Tokens { get; } = new();

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Tokens[Role.Anonymous] = null;
            Tokens[Role.Admin] = AdminToken;
            foreach (var role in new[] { Role.Outsider, Role.Guest, Role.Reporter, Role.Developer, Role.Maintainer, Role.Owner })
            {
                Tokens[role] = await CreateUserAsync(UserOf(role));
            }
            await CreateUserAsync("extra");
            await CreateUserAsync("newbie");
        }

        /// <summary>A fresh group with the five members and a project `p` of <paramref name="visibility"/>; returns the group path.</summary>
        public async Task<string> ArrangeAsync(string visibility, bool withCommit)
        {
            var group = "g" + Guid.NewGuid().ToString("N")[..10];
            using var admin = Admin();
            await Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group, visibility }));
            foreach (var (role, level) in new[] { (Role.Guest, "guest"), (Role.Reporter, "reporter"), (Role.Developer, "developer"),
                         (Role.Maintainer, "maintainer"), (Role.Owner, "owner") })
            {
                await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = UserOf(role), role = level }));
            }
            await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = "extra", role = "developer" }));
            var project = await Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p", visibility }));
            await Ensure(await admin.PostAsJsonAsync($"/api/v1/projects/{group}/p/members", new { username = "extra", role = "developer" }));
            if (withCommit)
            {
                // Straight into the bare repository on disk: these tests run on the in-memory server.
                var id = project.GetProperty("id").GetInt64();
                var bare = Path.Combine(DataDir, "repositories", (id % 100).ToString("00"), $"{id}.git");
                using var git = new GitCli();
                await git.OkAsync(await git.InitAsync("seed"), "push", "-q", bare, "main");
            }
            return group;
        }
    }

    public static string UserOf(Role role) => role.ToString().ToLowerInvariant() + "-user";

    /// <summary>
    /// One endpoint. <paramref name="Private"/> and <paramref name="Public"/> are the statuses in
    /// <see cref="Role"/> order (anonymous, outsider, guest, reporter, developer, maintainer, owner, admin);
    /// <paramref name="Public"/> null means the same as private (the endpoint is not about the project).
    /// <paramref name="Scoped"/>: the request names the group or project, so callers who may not see
    /// the private one must get what a nonexistent one gets.
    /// </summary>
    private sealed record Case(string Method, string Url, object? Body, int[] Private, int[]? Public = null, bool Scoped = true,
        bool Commit = false);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["GET project"] = new("GET", "/api/v1/projects/{g}/p", null, [404, 404, 200, 200, 200, 200, 200, 200], [200, 200, 200, 200, 200, 200, 200, 200]),
        ["PATCH project"] = new("PATCH", "/api/v1/projects/{g}/p", new { description = "new" }, [401, 404, 403, 403, 403, 200, 200, 200],
            [401, 403, 403, 403, 403, 200, 200, 200]),
        ["DELETE project"] = new("DELETE", "/api/v1/projects/{g}/p", null, [401, 404, 403, 403, 403, 403, 204, 204],
            [401, 403, 403, 403, 403, 403, 204, 204]),
        ["POST project"] = new("POST", "/api/v1/projects", new { @namespace = "{g}", path = "q" }, [401, 400, 403, 403, 201, 201, 201, 201],
            [401, 403, 403, 403, 201, 201, 201, 201]),
        ["GET projects"] = new("GET", "/api/v1/projects", null, [200, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
        ["GET projects of group"] = new("GET", "/api/v1/projects?namespace={g}", null, [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET project members"] = new("GET", "/api/v1/projects/{g}/p/members", null, [404, 404, 200, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["POST project member"] = new("POST", "/api/v1/projects/{g}/p/members", new { username = "newbie", role = "developer" },
            [401, 404, 403, 403, 403, 201, 201, 201], [401, 403, 403, 403, 403, 201, 201, 201]),
        ["PUT project member"] = new("PUT", "/api/v1/projects/{g}/p/members/extra", new { role = "reporter" },
            [401, 404, 403, 403, 403, 200, 200, 200], [401, 403, 403, 403, 403, 200, 200, 200]),
        ["DELETE project member"] = new("DELETE", "/api/v1/projects/{g}/p/members/extra", null, [401, 404, 403, 403, 403, 204, 204, 204],
            [401, 403, 403, 403, 403, 204, 204, 204]),
        ["GET project audit"] = new("GET", "/api/v1/projects/{g}/p/audit_events", null, [401, 404, 403, 403, 403, 200, 200, 200],
            [401, 403, 403, 403, 403, 200, 200, 200]),
        ["GET group"] = new("GET", "/api/v1/groups/{g}", null, [404, 404, 200, 200, 200, 200, 200, 200], [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET groups"] = new("GET", "/api/v1/groups", null, [200, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
        ["POST group"] = new("POST", "/api/v1/groups", new { path = "{g}-top" }, [401, 201, 201, 201, 201, 201, 201, 201], Scoped: false),
        ["POST subgroup"] = new("POST", "/api/v1/groups", new { path = "sub", parent = "{g}" }, [401, 400, 403, 403, 403, 201, 201, 201],
            [401, 403, 403, 403, 403, 201, 201, 201]),
        ["PATCH group"] = new("PATCH", "/api/v1/groups/{g}", new { description = "new" }, [401, 404, 403, 403, 403, 403, 200, 200],
            [401, 403, 403, 403, 403, 403, 200, 200]),
        ["DELETE group"] = new("DELETE", "/api/v1/groups/{g}", null, [401, 404, 403, 403, 403, 403, 204, 204], [401, 403, 403, 403, 403, 403, 204, 204]),
        ["GET group members"] = new("GET", "/api/v1/groups/{g}/members", null, [404, 404, 200, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["POST group member"] = new("POST", "/api/v1/groups/{g}/members", new { username = "newbie", role = "reporter" },
            [401, 404, 403, 403, 403, 201, 201, 201], [401, 403, 403, 403, 403, 201, 201, 201]),
        ["POST group owner"] = new("POST", "/api/v1/groups/{g}/members", new { username = "newbie", role = "owner" },
            [401, 404, 403, 403, 403, 403, 201, 201], [401, 403, 403, 403, 403, 403, 201, 201]),
        ["PUT group member"] = new("PUT", "/api/v1/groups/{g}/members/extra", new { role = "reporter" }, [401, 404, 403, 403, 403, 200, 200, 200],
            [401, 403, 403, 403, 403, 200, 200, 200]),
        ["DELETE group member"] = new("DELETE", "/api/v1/groups/{g}/members/extra", null, [401, 404, 403, 403, 403, 204, 204, 204],
            [401, 403, 403, 403, 403, 204, 204, 204]),
        ["GET group audit"] = new("GET", "/api/v1/groups/{g}/audit_events", null, [401, 404, 403, 403, 403, 403, 200, 200],
            [401, 403, 403, 403, 403, 403, 200, 200]),
        ["POST user"] = new("POST", "/api/v1/users", new { username = "{g}-u", email = "{g}@example.com" }, [401, 403, 403, 403, 403, 403, 403, 201],
            Scoped: false),
        ["GET users"] = new("GET", "/api/v1/users", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["GET user"] = new("GET", "/api/v1/users/extra", null, [401, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
        ["GET current user"] = new("GET", "/api/v1/user", null, [401, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
        ["POST reporter token"] = new("POST", "/api/v1/users/reporter-user/tokens", new { name = "t", scopes = new[] { "api" } },
            [401, 403, 403, 201, 403, 403, 403, 201], Scoped: false),
        ["GET reporter tokens"] = new("GET", "/api/v1/users/reporter-user/tokens", null, [401, 403, 403, 200, 403, 403, 403, 200], Scoped: false),
        ["GET audit"] = new("GET", "/api/v1/audit_events", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["GET metrics"] = new("GET", "/metrics", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["POST lint"] = new("POST", "/api/v1/lint", new { content = "pipelines: {}", project = "{g}/p" }, [401, 404, 403, 200, 200, 200, 200, 200],
            [401, 200, 200, 200, 200, 200, 200, 200]),
        ["GET branches"] = new("GET", "/api/v1/projects/{g}/p/repository/branches", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET tags"] = new("GET", "/api/v1/projects/{g}/p/repository/tags", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET commits"] = new("GET", "/api/v1/projects/{g}/p/repository/commits", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Commit: true),
        ["GET commit"] = new("GET", "/api/v1/projects/{g}/p/repository/commits/main", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Commit: true),
        ["GET tree"] = new("GET", "/api/v1/projects/{g}/p/repository/tree", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Commit: true),
        ["GET raw file"] = new("GET", "/api/v1/projects/{g}/p/repository/files/README.md/raw", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Commit: true),
        ["GET protected branches"] = new("GET", "/api/v1/projects/{g}/p/protected_branches", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["POST protected branch"] = new("POST", "/api/v1/projects/{g}/p/protected_branches", new { name = "release" },
            [401, 404, 403, 403, 403, 201, 201, 201], [401, 403, 403, 403, 403, 201, 201, 201]),
        ["DELETE protected branch"] = new("DELETE", "/api/v1/projects/{g}/p/protected_branches/main", null, [401, 404, 403, 403, 403, 204, 204, 204],
            [401, 403, 403, 403, 403, 204, 204, 204]),
        ["GET push events"] = new("GET", "/api/v1/projects/{g}/p/push_events", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        // The link's settings are for maintainers, like changing them; an unlinked project has none (404).
        ["GET gitlab link"] = new("GET", "/api/v1/projects/{g}/p/gitlab", null, [404, 404, 403, 403, 403, 404, 404, 404],
            [401, 403, 403, 403, 403, 404, 404, 404]),
        ["PUT gitlab link"] = new("PUT", "/api/v1/projects/{g}/p/gitlab", new { url = "http://127.0.0.1:9/", project = "a/b", token = "glpat-x" },
            [401, 404, 403, 403, 403, 400, 400, 400], [401, 403, 403, 403, 403, 400, 400, 400]),
        ["DELETE gitlab link"] = new("DELETE", "/api/v1/projects/{g}/p/gitlab", null, [401, 404, 403, 403, 403, 404, 404, 404],
            [401, 403, 403, 403, 403, 404, 404, 404]),
        ["GET runners"] = new("GET", "/api/v1/runners", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["GET client statement"] = new("GET", "/api/v1/clients/{g}/statement?format=csv", null, [404, 404, 403, 403, 403, 403, 200, 200]),
        ["GET client ledger"] = new("GET", "/api/v1/clients/{g}/usage_entries", null, [404, 404, 403, 403, 403, 403, 200, 200]),
        ["GET client quota"] = new("GET", "/api/v1/clients/{g}/quota", null, [404, 404, 403, 403, 403, 403, 200, 200]),
        ["GET client quota events"] = new("GET", "/api/v1/clients/{g}/quota_events", null, [404, 404, 403, 403, 403, 403, 200, 200]),
        ["PUT client quota"] = new("PUT", "/api/v1/clients/{g}/quota", new { concurrent_jobs = 2 }, [401, 403, 403, 403, 403, 403, 403, 200]),
        ["GET prices"] = new("GET", "/api/v1/admin/prices", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["POST price"] = new("POST", "/api/v1/admin/prices", new { resource = "cpu", unit_price = 1, effective_from = "2026-01-01", client = "{g}" },
            [401, 403, 403, 403, 403, 403, 403, 201]),
        ["POST usage correction"] = new("POST", "/api/v1/admin/usage_corrections",
            new { client = "{g}", key = "{g}", resource = "cpu", quantity = -1, day = "2026-01-01", note = "test" }, [401, 403, 403, 403, 403, 403, 403, 201]),
        ["GET healthz"] = new("GET", "/healthz", null, [200, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
        ["GET readyz"] = new("GET", "/readyz", null, [200, 200, 200, 200, 200, 200, 200, 200], Scoped: false),
    };

    public static TheoryData<string, string, Role> Matrix()
    {
        var data = new TheoryData<string, string, Role>();
        foreach (var (name, @case) in Cases)
        {
            foreach (var visibility in @case.Public is null ? ["private"] : new[] { "private", "public" })
            {
                foreach (var role in Enum.GetValues<Role>())
                {
                    data.Add(name, visibility, role);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Caller_AnswersExactStatus(string endpoint, string visibility, Role role)
    {
        var @case = Cases[endpoint];
        var group = await fixture.ArrangeAsync(visibility, @case.Commit);
        using var client = fixture.Tokens[role] is { } token ? fixture.As(token) : fixture.Anonymous();

        var response = await client.SendAsync(Request(@case, group));

        var expected = (visibility == "public" ? @case.Public! : @case.Private)[(int)role];
        Assert.True(expected == (int)response.StatusCode,
            $"{endpoint} ({visibility}) as {role}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    public static TheoryData<string, Role> Hidden()
    {
        var data = new TheoryData<string, Role>();
        foreach (var (name, _) in Cases.Where(c => c.Value.Scoped))
        {
            data.Add(name, Role.Anonymous);
            data.Add(name, Role.Outsider);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Hidden))]
    public async Task Endpoint_CallerWhoCannotSeeThePrivateProject_AnswersAsForANonexistentOne(string endpoint, Role role)
    {
        var @case = Cases[endpoint];
        var group = await fixture.ArrangeAsync("private", @case.Commit);
        var missing = "g" + Guid.NewGuid().ToString("N")[..10];
        using var client = fixture.Tokens[role] is { } token ? fixture.As(token) : fixture.Anonymous();

        var hidden = await client.SendAsync(Request(@case, group));
        var absent = await client.SendAsync(Request(@case, missing));

        Assert.Equal(absent.StatusCode, hidden.StatusCode);
        Assert.Equal(absent.Content.Headers.ContentType?.ToString(), hidden.Content.Headers.ContentType?.ToString());
        Assert.Equal(Comparable(await absent.Content.ReadAsStringAsync()).Replace(missing, group),
            Comparable(await hidden.Content.ReadAsStringAsync()));
    }

    private static HttpRequestMessage Request(Case @case, string group)
    {
        var request = new HttpRequestMessage(new HttpMethod(@case.Method), @case.Url.Replace("{g}", group));
        if (@case.Body is not null)
        {
            var json = JsonSerializer.Serialize(@case.Body, MlOpsServer.Json).Replace("{g}", group);
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }
        return request;
    }

    /// <summary>The problem document without its trace id, which differs per request by design.</summary>
    private static string Comparable(string body)
    {
        if (JsonNode.Parse(body) is not JsonObject problem)
        {
            return body;
        }
        problem.Remove("trace_id");
        problem.Remove("traceId");
        return problem.ToJsonString();
    }
}
