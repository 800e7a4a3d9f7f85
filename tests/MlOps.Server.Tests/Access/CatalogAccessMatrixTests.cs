namespace MlOps.Server.Tests.Access;

/// <summary>
/// The operation catalog: an operation is exactly as visible as its project. Reading it (page,
/// versions, search, stars) needs what reading the project needs; publishing needs developer,
/// deprecating and yanking maintainer, a one-step run developer of the project it runs in. A
/// private operation looks absent to whoever may not read its project, in search too.
/// </summary>
public sealed class CatalogAccessMatrixTests(AccessFixture fixture) : AccessMatrixTheories<CatalogAccessMatrixTests>(fixture), IAccessRows
{
    // Statuses in Role order: anonymous, outsider, guest, reporter, developer, maintainer, owner, admin.
    private static readonly int[] ReadPrivate = [404, 404, 403, 200, 200, 200, 200, 200];
    private static readonly int[] ReadPublic = [200, 200, 200, 200, 200, 200, 200, 200];

    private static int[] SignedInPrivate(int ok) => [401, 404, 403, ok, ok, ok, ok, ok];

    private static int[] SignedInPublic(int ok) => [401, ok, ok, ok, ok, ok, ok, ok];

    private static int[] DeveloperPrivate(int ok) => [401, 404, 403, 403, ok, ok, ok, ok];

    private static int[] DeveloperPublic(int ok) => [401, 403, 403, 403, ok, ok, ok, ok];

    private static int[] MaintainerPrivate(int ok) => [401, 404, 403, 403, 403, ok, ok, ok];

    private static int[] MaintainerPublic(int ok) => [401, 403, 403, 403, 403, ok, ok, ok];

    private const string Operation = "/api/v1/operations/{g}/" + AccessFixture.OperationName;

    public static IReadOnlyDictionary<string, AccessCase> Cases => Rows;

    private static readonly Dictionary<string, AccessCase> Rows = new()
    {
        ["POST publish"] = new("POST", "/api/v1/operations", new { project = "{g}/p", @ref = "main", version = "1.0.0" },
            DeveloperPrivate(201), DeveloperPublic(201), Seed: Seed.Commit),
        ["GET operation"] = new("GET", Operation, null, ReadPrivate, ReadPublic, Seed: Seed.Operation),
        ["GET operation version"] = new("GET", Operation + "/versions/1.0.0", null, ReadPrivate, ReadPublic, Seed: Seed.Operation),
        ["PUT deprecation"] = new("PUT", Operation + "/versions/1.0.0/deprecation", new { message = "use 2.0.0" },
            MaintainerPrivate(200), MaintainerPublic(200), Seed: Seed.Operation),
        ["DELETE deprecation"] = new("DELETE", Operation + "/versions/1.0.0/deprecation", null, MaintainerPrivate(200), MaintainerPublic(200),
            Seed: Seed.Operation),
        ["PUT yank"] = new("PUT", Operation + "/versions/1.0.0/yank", new { reason = "broken" }, MaintainerPrivate(200), MaintainerPublic(200),
            Seed: Seed.Operation),
        ["DELETE yank"] = new("DELETE", Operation + "/versions/1.0.0/yank", null, MaintainerPrivate(200), MaintainerPublic(200),
            Seed: Seed.Operation),
        ["PUT star"] = new("PUT", Operation + "/star", null, SignedInPrivate(200), SignedInPublic(200), Seed: Seed.Operation),
        ["DELETE star"] = new("DELETE", Operation + "/star", null, SignedInPrivate(200), SignedInPublic(200), Seed: Seed.Operation),
        ["POST one-step run"] = new("POST", Operation + "/1.0.0/runs", new { project = "{g}/p" }, DeveloperPrivate(201), DeveloperPublic(201),
            Seed: Seed.Operation),
        ["GET search"] = new("GET", "/api/v1/operations?q={g}", null, ReadPublic, Scoped: false, Seed: Seed.Operation),
    };

    /// <summary>Search lists a private operation to exactly those who may open its page: reporters and up.</summary>
    [Theory]
    [InlineData("private", new[] { false, false, false, true, true, true, true, true })]
    [InlineData("public", new[] { true, true, true, true, true, true, true, true })]
    public async Task Search_Operation_ListedForExactlyThoseWhoMayReadIt(string visibility, bool[] listed)
    {
        var scene = await Fixture.ArrangeAsync(visibility, Seed.Operation);

        var seen = new List<bool>();
        foreach (var role in Enum.GetValues<Role>())
        {
            using var client = Fixture.ClientOf(role);
            var page = await MlOpsServer.Ensure(await client.GetAsync($"/api/v1/operations?q={scene["{g}"]}"));
            seen.Add(page.GetProperty("items").EnumerateArray().Any(o => o.GetProperty("owner").GetString() == scene["{g}"]));
        }

        Assert.Equal(listed, seen);
    }
}
