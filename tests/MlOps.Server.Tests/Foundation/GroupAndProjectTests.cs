namespace MlOps.Server.Tests.Foundation;

public sealed class GroupAndProjectTests(MlOpsServer server) : IClassFixture<MlOpsServer>
{
    private static string Unique(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> GroupAsync(string visibility = "private", string? parent = null)
    {
        using var admin = server.Admin();
        var body = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = Unique("g"), visibility, parent }));
        return body.GetProperty("full_path").GetString()!;
    }

    [Fact]
    public async Task Subgroup_NestsOneLevelOnly()
    {
        using var admin = server.Admin();
        var top = await GroupAsync();
        var sub = await GroupAsync(parent: top);

        var deeper = await admin.PostAsJsonAsync("/api/v1/groups", new { path = "deeper", parent = sub });

        Assert.Equal($"{top}/", sub[..(top.Length + 1)]);
        Assert.Equal(HttpStatusCode.BadRequest, deeper.StatusCode);
        Assert.Equal("Groups nest one level deep: the parent must be a top-level group.",
            (await MlOpsServer.Read(deeper)).GetProperty("errors").GetProperty("parent")[0].GetString());
    }

    [Fact]
    public async Task Subgroup_ProjectInIt_AddressedByEncodedNamespace()
    {
        using var admin = server.Admin();
        var sub = await GroupAsync(parent: await GroupAsync());
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = sub, path = "iris" }));

        var project = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects/{Uri.EscapeDataString(sub)}/iris"));

        Assert.Equal($"{sub}/iris", project.GetProperty("path_with_namespace").GetString());
    }

    [Fact]
    public async Task Project_MoreVisibleThanGroup_BadRequest()
    {
        using var admin = server.Admin();
        var group = await GroupAsync("internal");

        var response = await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p", visibility = "public" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("A project cannot be more visible than its group (internal).",
            (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("visibility")[0].GetString());
    }

    [Fact]
    public async Task Group_MadeLessVisibleThanItsProject_BadRequest()
    {
        using var admin = server.Admin();
        var group = await GroupAsync("public");
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p", visibility = "public" }));

        var response = await admin.PatchAsJsonAsync($"/api/v1/groups/{group}", new { visibility = "private" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Visibility_InternalForSignedIn_PublicForAll_PrivateForMembers()
    {
        using var admin = server.Admin();
        var group = await GroupAsync("public");
        foreach (var visibility in new[] { "private", "internal", "public" })
        {
            await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = visibility, visibility }));
        }
        using var anonymous = server.Anonymous();
        using var outsider = server.As(await server.CreateUserAsync(Unique("out")));

        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/v1/projects/{group}/private")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/v1/projects/{group}/internal")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/v1/projects/{group}/public")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await outsider.GetAsync($"/api/v1/projects/{group}/private")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await outsider.GetAsync($"/api/v1/projects/{group}/internal")).StatusCode);
        var listed = await MlOpsServer.Ensure(await anonymous.GetAsync($"/api/v1/projects?namespace={group}"));
        Assert.Equal(["public"], listed.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("path").GetString()));
    }

    [Fact]
    public async Task Projects_KeysetPages_NeitherSkipNorRepeat()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        for (var i = 0; i < 5; i++)
        {
            await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = $"p{i}" }));
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects?namespace={group}&per_page=2&cursor={cursor}"));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("path").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        } while (cursor is not null);

        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], seen);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("per_page=0")]
    [InlineData("per_page=101")]
    [InlineData("cursor=abc")]
    public async Task Projects_BadPaging_BadRequest(string query)
    {
        using var admin = server.Admin();

        var response = await admin.GetAsync($"/api/v1/projects?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Project_SearchAndTopic_Filter()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects",
            new { @namespace = group, path = "iris-cls", description = "Iris flowers", topics = new[] { "Tabular", "classification" } }));
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "yolo", topics = new[] { "vision" } }));

        var byTopic = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects?namespace={group}&topic=tabular"));
        var bySearch = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects?namespace={group}&q=flowers"));

        Assert.Equal("iris-cls", Assert.Single(byTopic.GetProperty("items").EnumerateArray()).GetProperty("path").GetString());
        Assert.Equal("iris-cls", Assert.Single(bySearch.GetProperty("items").EnumerateArray()).GetProperty("path").GetString());
    }

    [Fact]
    public async Task Project_RenameThenDelete_AuditedAndOldPathGone()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "old" }));

        var renamed = await MlOpsServer.Ensure(await admin.PatchAsJsonAsync($"/api/v1/projects/{group}/old", new { path = "new", topics = new[] { "x" } }));
        var oldPath = await admin.GetAsync($"/api/v1/projects/{group}/old");
        var audit = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects/{group}/new/audit_events"));
        var deleted = await admin.DeleteAsync($"/api/v1/projects/{group}/new");
        var groupAudit = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/groups/{group}/audit_events"));

        Assert.Equal("new", renamed.GetProperty("path").GetString());
        Assert.Equal(HttpStatusCode.NotFound, oldPath.StatusCode);
        Assert.Equal(["project.rename", "project.create"], audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/v1/projects/{group}/new")).StatusCode);
        Assert.Contains(groupAudit.GetProperty("items").EnumerateArray(), e => e.GetProperty("action").GetString() == "project.delete");
    }

    [Fact]
    public async Task Project_DuplicatePath_ConflictAndNothingWritten()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "dup", description = "first" }));

        var again = await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "DUP", description = "second" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("path", (await MlOpsServer.Read(again)).GetProperty("field").GetString());
        Assert.Equal("first", (await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/projects/{group}/dup"))).GetProperty("description").GetString());
    }

    [Fact]
    public async Task PersonalNamespace_OnlyItsUserCreatesProjects()
    {
        var alice = Unique("alice");
        using var aliceClient = server.As(await server.CreateUserAsync(alice));
        using var bob = server.As(await server.CreateUserAsync(Unique("bob")));

        var own = await aliceClient.PostAsJsonAsync("/api/v1/projects", new { path = "mine" });
        var intruder = await bob.PostAsJsonAsync("/api/v1/projects", new { @namespace = alice, path = "theirs" });

        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal($"{alice}/mine", (await MlOpsServer.Read(own)).GetProperty("path_with_namespace").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, intruder.StatusCode);
    }

    [Fact]
    public async Task Group_LastOwner_CannotLeaveOrBeDemoted()
    {
        var owner = Unique("own");
        using var ownerClient = server.As(await server.CreateUserAsync(owner));
        var group = (await MlOpsServer.Ensure(await ownerClient.PostAsJsonAsync("/api/v1/groups", new { path = Unique("solo") })))
            .GetProperty("full_path").GetString();

        var leave = await ownerClient.DeleteAsync($"/api/v1/groups/{group}/members/{owner}");
        var demote = await ownerClient.PutAsJsonAsync($"/api/v1/groups/{group}/members/{owner}", new { role = "developer" });

        Assert.Equal(HttpStatusCode.Conflict, leave.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, demote.StatusCode);
        var members = await MlOpsServer.Ensure(await ownerClient.GetAsync($"/api/v1/groups/{group}/members"));
        Assert.Equal("owner", Assert.Single(members.GetProperty("items").EnumerateArray()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Group_AddExistingMemberOrUnknownRole_Refused()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        var user = Unique("mem");
        await server.CreateUserAsync(user);
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = user, role = "developer" }));

        var again = await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = user, role = "developer" });
        var badRole = await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = "admin", role = "superuser" });
        var nobody = await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = "nobody-here", role = "developer" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badRole.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, nobody.StatusCode);
    }

    [Fact]
    public async Task Group_DeveloperMember_SeesPrivateProjectThroughGroup()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p" }));
        var dev = Unique("dev");
        using var devClient = server.As(await server.CreateUserAsync(dev));
        Assert.Equal(HttpStatusCode.NotFound, (await devClient.GetAsync($"/api/v1/projects/{group}/p")).StatusCode);

        await MlOpsServer.Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = dev, role = "developer" }));
        var project = await MlOpsServer.Ensure(await devClient.GetAsync($"/api/v1/projects/{group}/p"));

        Assert.Equal("developer", project.GetProperty("your_role").GetString());
    }

    [Fact]
    public async Task Project_NullTopic_IgnoredNotAnError()
    {
        using var admin = server.Admin();
        var group = await GroupAsync();

        var response = await admin.PostAsync("/api/v1/projects", new StringContent(
            $$"""{"namespace": "{{group}}", "path": "p", "topics": [null, "ok"]}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(["ok"], (await MlOpsServer.Read(response)).GetProperty("topics").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Group_TwoOwnersDemoteEachOtherAtOnce_OneWinsOneConflict()
    {
        var first = Unique("o1");
        var second = Unique("o2");
        using var firstClient = server.As(await server.CreateUserAsync(first));
        using var secondClient = server.As(await server.CreateUserAsync(second));
        var group = (await MlOpsServer.Ensure(await firstClient.PostAsJsonAsync("/api/v1/groups", new { path = Unique("duo") })))
            .GetProperty("full_path").GetString();
        await MlOpsServer.Ensure(await firstClient.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = second, role = "owner" }));

        var results = await Task.WhenAll(
            firstClient.PutAsJsonAsync($"/api/v1/groups/{group}/members/{second}", new { role = "developer" }),
            secondClient.PutAsJsonAsync($"/api/v1/groups/{group}/members/{first}", new { role = "developer" }));

        var codes = results.Select(r => r.StatusCode).Order().ToList();
        Assert.True(codes.SequenceEqual([HttpStatusCode.OK, HttpStatusCode.Conflict]) || codes.SequenceEqual([HttpStatusCode.OK, HttpStatusCode.Forbidden]),
            string.Join(", ", codes));
        using var admin = server.Admin();
        var members = await MlOpsServer.Ensure(await admin.GetAsync($"/api/v1/groups/{group}/members"));
        Assert.Equal(1, members.GetProperty("items").EnumerateArray().Count(m => m.GetProperty("role").GetString() == "owner"));
    }
}
