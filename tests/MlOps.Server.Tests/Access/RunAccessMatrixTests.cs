namespace MlOps.Server.Tests.Access;

/// <summary>
/// Runs and jobs: reading them (runs, jobs, logs, artifacts, usage, metrics) is the reporter's on a
/// private project and everyone's on a public one; starting, re-running and cancelling is the
/// developer's. A run or job of a project the caller may not see answers as one that does not exist.
/// </summary>
public sealed class RunAccessMatrixTests(AccessFixture fixture) : AccessMatrixTheories<RunAccessMatrixTests>(fixture), IAccessRows
{
    // Statuses in Role order: anonymous, outsider, guest, reporter, developer, maintainer, owner, admin.
    private static readonly int[] ReadPrivate = [404, 404, 403, 200, 200, 200, 200, 200];
    private static readonly int[] ReadPublic = [200, 200, 200, 200, 200, 200, 200, 200];

    private static int[] RunPrivate(int ok) => [401, 404, 403, 403, ok, ok, ok, ok];

    private static int[] RunPublic(int ok) => [401, 403, 403, 403, ok, ok, ok, ok];

    public static IReadOnlyDictionary<string, AccessCase> Cases => Rows;

    private static readonly Dictionary<string, AccessCase> Rows = new()
    {
        ["GET runs"] = new("GET", "/api/v1/projects/{g}/p/runs", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["POST manual run"] = new("POST", "/api/v1/projects/{g}/p/runs", new { pipeline = "train" }, RunPrivate(201), RunPublic(201),
            Seed: Seed.Commit),
        ["GET run"] = new("GET", "/api/v1/runs/{run}", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["POST cancel run"] = new("POST", "/api/v1/runs/{run}/cancel", null, RunPrivate(200), RunPublic(200), Seed: Seed.Run),
        ["POST retry run"] = new("POST", "/api/v1/runs/{run}/retry", new { failed_only = true }, RunPrivate(201), RunPublic(201),
            Seed: Seed.Run),
        ["GET run usage"] = new("GET", "/api/v1/runs/{run}/usage", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job"] = new("GET", "/api/v1/jobs/{job}", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job log"] = new("GET", "/api/v1/jobs/{job}/log", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job artifacts"] = new("GET", "/api/v1/jobs/{job}/artifacts", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job artifact"] = new("GET", "/api/v1/jobs/{job}/artifacts/model", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job usage"] = new("GET", "/api/v1/jobs/{job}/usage", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
        ["GET job metrics"] = new("GET", "/api/v1/jobs/{job}/metrics", null, ReadPrivate, ReadPublic, Seed: Seed.Run),
    };
}
