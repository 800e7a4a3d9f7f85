namespace MlOps.Server.Tests.Access;

/// <summary>
/// What maintainers manage (project and group secrets, webhook deliveries, the GitHub link) and the
/// repository's other doors (LFS objects, Git smart HTTP, the Git LFS batch API), which answer as
/// the REST API does: reporter reads, developer pushes, and a private project looks absent to whoever
/// may not see it (Git challenges anonymous callers with 401 either way, so `git` asks for credentials).
/// </summary>
public sealed class SettingsAccessMatrixTests(AccessFixture fixture) : AccessMatrixTheories<SettingsAccessMatrixTests>(fixture), IAccessRows
{
    // Statuses in Role order: anonymous, outsider, guest, reporter, developer, maintainer, owner, admin.
    private static int[] ManagePrivate(int ok) => [404, 404, 403, 403, 403, ok, ok, ok];

    private static int[] ManagePublic(int ok) => [401, 403, 403, 403, 403, ok, ok, ok];

    private static readonly int[] ReadPrivate = [404, 404, 403, 200, 200, 200, 200, 200];
    private static readonly int[] ReadPublic = [200, 200, 200, 200, 200, 200, 200, 200];
    private static readonly int[] GitReadPrivate = [401, 404, 403, 200, 200, 200, 200, 200];
    private static readonly int[] GitPushPrivate = [401, 404, 403, 403, 200, 200, 200, 200];
    private static readonly int[] GitPushPublic = [401, 403, 403, 403, 200, 200, 200, 200];

    private const string LfsJson = "application/vnd.git-lfs+json";

    private static object LfsBatch(string operation) => new { operation, objects = new[] { new { oid = new string('a', 64), size = 1 } } };

    private static readonly Dictionary<string, string> LfsAccept = new() { ["Accept"] = LfsJson };

    public static IReadOnlyDictionary<string, AccessCase> Cases => Rows;

    private static readonly Dictionary<string, AccessCase> Rows = new()
    {
        ["GET project secrets"] = new("GET", "/api/v1/projects/{g}/p/secrets", null, ManagePrivate(200), ManagePublic(200), Seed: Seed.Secrets),
        ["PUT project secret"] = new("PUT", "/api/v1/projects/{g}/p/secrets/API_KEY", new { value = "s3cret" },
            [401, 404, 403, 403, 403, 204, 204, 204], [401, 403, 403, 403, 403, 204, 204, 204]),
        ["DELETE project secret"] = new("DELETE", "/api/v1/projects/{g}/p/secrets/SEEDED", null, ManagePrivate(204), ManagePublic(204),
            Seed: Seed.Secrets),
        ["GET group secrets"] = new("GET", "/api/v1/groups/{g}/secrets", null, ManagePrivate(200), ManagePublic(200), Seed: Seed.Secrets),
        ["PUT group secret"] = new("PUT", "/api/v1/groups/{g}/secrets/API_KEY", new { value = "s3cret" }, ManagePrivate(204),
            ManagePublic(204)),
        ["DELETE group secret"] = new("DELETE", "/api/v1/groups/{g}/secrets/SEEDED", null, ManagePrivate(204), ManagePublic(204),
            Seed: Seed.Secrets),
        // A user's namespace is not a group: its secrets route looks absent to everyone, its owner and admins included.
        ["GET user namespace secrets"] = new("GET", "/api/v1/groups/maintainer-user/secrets", null, [404, 404, 404, 404, 404, 404, 404, 404],
            Scoped: false),
        ["GET deliveries"] = new("GET", "/api/v1/projects/{g}/p/deliveries", null, ManagePrivate(200), ManagePublic(200), Seed: Seed.Delivery),
        ["POST redeliver"] = new("POST", "/api/v1/projects/{g}/p/deliveries/{delivery}/redeliver", null, ManagePrivate(202), ManagePublic(202),
            Seed: Seed.Delivery),
        ["GET github link"] = new("GET", "/api/v1/projects/{g}/p/github", null, ManagePrivate(200), ManagePublic(200), Seed: Seed.GitHubLink),
        // A wrong body is refused only after the gate: 400 shows the caller got past it without reaching GitHub.
        ["PUT github link"] = new("PUT", "/api/v1/projects/{g}/p/github", new { repository = "not a repository", token = "" },
            ManagePrivate(400), ManagePublic(400)),
        ["DELETE github link"] = new("DELETE", "/api/v1/projects/{g}/p/github", null, ManagePrivate(204), ManagePublic(204),
            Seed: Seed.GitHubLink),
        ["GET lfs objects"] = new("GET", "/api/v1/projects/{g}/p/lfs_objects", null, ReadPrivate, ReadPublic),
        ["GET git upload-pack refs"] = new("GET", "/{g}/p.git/info/refs?service=git-upload-pack", null, GitReadPrivate, ReadPublic,
            Seed: Seed.Commit, Problem: false),
        ["GET git receive-pack refs"] = new("GET", "/{g}/p.git/info/refs?service=git-receive-pack", null, GitPushPrivate, GitPushPublic,
            Seed: Seed.Commit, Problem: false),
        ["POST lfs batch download"] = new("POST", "/{g}/p.git/info/lfs/objects/batch", LfsBatch("download"), GitReadPrivate, ReadPublic,
            Problem: false, ContentType: LfsJson, Headers: LfsAccept),
        ["GET lfs object"] = new("GET", "/{g}/p.git/info/lfs/objects/" + AccessFixture.LfsOid, null, GitReadPrivate, ReadPublic,
            Seed: Seed.LfsObject, Problem: false),
        ["PUT lfs object"] = new("PUT", "/{g}/p.git/info/lfs/objects/" + AccessFixture.LfsOid, AccessFixture.LfsContent, GitPushPrivate,
            GitPushPublic, Problem: false),
        // A flush packet alone: the service starts and ends at once, so the status is the gate's answer.
        ["POST git-upload-pack"] = new("POST", "/{g}/p.git/git-upload-pack", "0000", GitReadPrivate, ReadPublic, Seed: Seed.Commit,
            Problem: false, ContentType: "application/x-git-upload-pack-request"),
        ["POST git-receive-pack"] = new("POST", "/{g}/p.git/git-receive-pack", "0000", GitPushPrivate, GitPushPublic, Seed: Seed.Commit,
            Problem: false, ContentType: "application/x-git-receive-pack-request"),
        ["POST lfs batch upload"] = new("POST", "/{g}/p.git/info/lfs/objects/batch", LfsBatch("upload"), GitPushPrivate, GitPushPublic,
            Problem: false, ContentType: LfsJson, Headers: LfsAccept),
    };
}
