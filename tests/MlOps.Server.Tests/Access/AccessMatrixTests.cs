namespace MlOps.Server.Tests.Access;

/// <summary>
/// Every endpoint of accounts, groups, projects, members, repository browsing, lint and billing
/// × every kind of caller × a private and a public project, asserting the exact status code; a
/// caller who may not see the private project gets exactly what a project that does not exist gets.
/// Runs, jobs, settings, the catalog, Git and the runner protocol have matrices of their own beside this one.
/// </summary>
public sealed class AccessMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static readonly Dictionary<string, AccessCase> Cases = new()
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
        ["DELETE reporter token"] = new("DELETE", "/api/v1/users/reporter-user/tokens/{token}", null, [401, 403, 403, 204, 403, 403, 403, 204],
            Scoped: false, Seed: Seed.Token),
        ["GET audit"] = new("GET", "/api/v1/audit_events", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["GET metrics"] = new("GET", "/metrics", null, [401, 403, 403, 403, 403, 403, 403, 200], Scoped: false),
        ["POST lint"] = new("POST", "/api/v1/lint", new { content = "pipelines: {}", project = "{g}/p" }, [401, 404, 403, 200, 200, 200, 200, 200],
            [401, 200, 200, 200, 200, 200, 200, 200]),
        ["GET branches"] = new("GET", "/api/v1/projects/{g}/p/repository/branches", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET tags"] = new("GET", "/api/v1/projects/{g}/p/repository/tags", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200]),
        ["GET commits"] = new("GET", "/api/v1/projects/{g}/p/repository/commits", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Seed: Seed.Commit),
        ["GET commit"] = new("GET", "/api/v1/projects/{g}/p/repository/commits/main", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Seed: Seed.Commit),
        ["GET tree"] = new("GET", "/api/v1/projects/{g}/p/repository/tree", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Seed: Seed.Commit),
        ["GET raw file"] = new("GET", "/api/v1/projects/{g}/p/repository/files/README.md/raw", null, [404, 404, 403, 200, 200, 200, 200, 200],
            [200, 200, 200, 200, 200, 200, 200, 200], Seed: Seed.Commit),
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
        ["DELETE runner"] = new("DELETE", "/api/v1/runners/{runner}", null, [401, 403, 403, 403, 403, 403, 403, 204], Scoped: false,
            Seed: Seed.Runner),
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

    public static TheoryData<string, string, Role> Matrix() => AccessMatrix.Rows(Cases);

    public static TheoryData<string, Role> Hidden() => AccessMatrix.HiddenRows(Cases);

    [Theory]
    [MemberData(nameof(Matrix))]
    public Task Endpoint_Caller_AnswersExactStatus(string endpoint, string visibility, Role role) =>
        AccessMatrix.AssertStatusAsync(fixture, endpoint, Cases[endpoint], visibility, role);

    [Theory]
    [MemberData(nameof(Hidden))]
    public Task Endpoint_CallerWhoCannotSeeThePrivateProject_AnswersAsForANonexistentOne(string endpoint, Role role) =>
        AccessMatrix.AssertLooksAbsentAsync(fixture, Cases[endpoint], role);
}
