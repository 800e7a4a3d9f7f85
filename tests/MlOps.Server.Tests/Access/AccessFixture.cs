using Dapper;
using MlOps.Server.Features.JobOutputs;
using MlOps.Server.Infrastructure.Secrets;
using MlOps.Server.Tests.Git;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MlOps.Server.Tests.Access;

public enum Role { Anonymous, Outsider, Guest, Reporter, Developer, Maintainer, Owner, Admin }

/// <summary>What a case needs to exist before its request means anything. Each is made cheaply: through the API or straight into the tables.</summary>
[Flags]
public enum Seed
{
    None = 0,
    /// <summary>A commit on main holding README.md, an mlops.yml with a manual pipeline `train` and an operation.yml.</summary>
    Commit = 1,
    /// <summary>A failed run `{run}` with one job `{job}` that has a log, an artifact `model`, usage and a metric.</summary>
    Run = 2,
    /// <summary>A failed GitLab webhook delivery `{delivery}` of the project.</summary>
    Delivery = 4,
    /// <summary>A GitHub link of the project.</summary>
    GitHubLink = 8,
    /// <summary>The operation `{g}/matrix-op` published from the project at 1.0.0 (implies <see cref="Commit"/>).</summary>
    Operation = 16 | Commit,
    /// <summary>A secret `SEEDED` on the project and one on its group.</summary>
    Secrets = 32,
    /// <summary>A registered runner `{runner}`.</summary>
    Runner = 64,
    /// <summary>A personal access token `{token}` of reporter-user.</summary>
    Token = 128,
    /// <summary>The Git LFS object <see cref="AccessFixture.LfsContent"/> uploaded to the project.</summary>
    LfsObject = 256,
}

/// <summary>
/// The server with one user per role. Each case builds its own group `g…` (members: guest, reporter,
/// developer, maintainer, owner, extra) holding a project `p` of the same visibility (extra is also a
/// direct project member) and whatever its <see cref="Seed"/> asks for, so cases run in any order.
/// </summary>
public class AccessFixture : MlOpsServer
{
    public const string RegistrationToken = "matrix-registration-token";
    public const string OperationName = "matrix-op";
    public const string LfsContent = "large file content\n";

    public static readonly string LfsOid = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        System.Text.Encoding.UTF8.GetBytes(LfsContent)));

    public const string Pipeline = """
        pipelines:
          train:
            on:
              manual: true
            steps:
              fit:
                image: python:3.12-slim
                run: python3 -c "print(1)"
        """;

    /// <summary>The manifest; its description names the group, so a search for the group finds this one operation.</summary>
    public static string Operation(string group) => $$$"""
        name: matrix-op
        kind: algorithm
        description: Published by {{{group}}} for the access matrix.
        image: registry.example.com/matrix/op:1.0.0
        command: [python3, -c, "print('{{params.greeting}}')"]
        params:
          greeting: { type: string, default: hi }
        """;

    public Dictionary<Role, string?> Tokens { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Runners:RegistrationToken"] = RegistrationToken,
        ["RunnerJobs:LongPollSeconds"] = "0.2",
    };

    public static string UserOf(Role role) => role.ToString().ToLowerInvariant() + "-user";

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

    public HttpClient ClientOf(Role role) => Tokens[role] is { } token ? As(token) : Anonymous();

    /// <summary>A fresh group with the members and a project `p` of <paramref name="visibility"/>, seeded as asked.</summary>
    public async Task<Scene> ArrangeAsync(string visibility, Seed seed)
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
        var projectId = project.GetProperty("id").GetInt64();
        var values = new Dictionary<string, string> { ["{g}"] = group };
        if (seed.HasFlag(Seed.Commit))
        {
            await CommitAsync(projectId, group);
        }
        if (seed.HasFlag(Seed.Run))
        {
            (values["{run}"], values["{job}"]) = await SeedRunAsync(projectId);
        }
        if (seed.HasFlag(Seed.Delivery))
        {
            values["{delivery}"] = (await ExecuteScalarAsync<long>(
                """
                INSERT INTO webhook_deliveries (project_id, source, event, delivery_key, payload, processed_at, outcome, attempts)
                VALUES (@projectId, 'gitlab', 'Push Hook', gen_random_uuid()::text, '{}', now(), 'failed: seeded by the access matrix', 1)
                RETURNING id
                """, new { projectId })).ToString();
        }
        if (seed.HasFlag(Seed.GitHubLink))
        {
            var protector = Services.GetRequiredService<SecretProtector>();
            await ExecuteScalarAsync<int>(
                "INSERT INTO github_links (project_id, repository, token_encrypted, webhook_secret_encrypted) VALUES (@projectId, 'matrix/p', @token, @secret)",
                new { projectId, token = protector.Protect("ghp-seeded"), secret = protector.Protect("hook-secret") });
        }
        if (seed.HasFlag(Seed.Operation))
        {
            await Ensure(await admin.PostAsJsonAsync("/api/v1/operations", new { project = $"{group}/p", @ref = "main", version = "1.0.0" }));
        }
        if (seed.HasFlag(Seed.Secrets))
        {
            await Ensure(await admin.PutAsJsonAsync($"/api/v1/projects/{group}/p/secrets/SEEDED", new { value = "seeded-value" }));
            await Ensure(await admin.PutAsJsonAsync($"/api/v1/groups/{group}/secrets/SEEDED", new { value = "seeded-value" }));
        }
        if (seed.HasFlag(Seed.Runner))
        {
            var runner = await Ensure(await admin.PostAsJsonAsync("/api/v1/runner/register",
                new { registration_token = RegistrationToken, name = group }, Json));
            values["{runner}"] = runner.GetProperty("id").GetInt64().ToString();
        }
        if (seed.HasFlag(Seed.Token))
        {
            var token = await Ensure(await admin.PostAsJsonAsync($"/api/v1/users/{UserOf(Role.Reporter)}/tokens", new { name = group, scopes = new[] { "api" } }));
            values["{token}"] = token.GetProperty("id").GetInt64().ToString();
        }
        if (seed.HasFlag(Seed.LfsObject))
        {
            await Ensure(await admin.PutAsync($"/{group}/p.git/info/lfs/objects/{LfsOid}", new StringContent(LfsContent)));
        }
        return new Scene(values, projectId);
    }

    /// <summary>Straight into the bare repository on disk: these tests run on the in-memory server.</summary>
    private async Task CommitAsync(long projectId, string group)
    {
        var bare = Path.Combine(DataDir, "repositories", (projectId % 100).ToString("00"), $"{projectId}.git");
        using var git = new GitCli();
        var work = await git.InitAsync("seed");
        await File.WriteAllTextAsync(Path.Combine(git.PathOf(work), "mlops.yml"), Pipeline);
        await git.CommitAsync(work, "operation.yml", Operation(group), "pipeline and operation");
        await git.OkAsync(work, "push", "-q", bare, "main");
    }

    /// <summary>A run as a runner would have left it, written directly: no runner is needed to read it back.</summary>
    private async Task<(string Run, string Job)> SeedRunAsync(long projectId)
    {
        var (runId, jobId) = await QuerySingleAsync<(long, long)>(
            """
            WITH run AS (
                INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by_name, status, graph)
                SELECT p.id, COALESCE(n.parent_id, n.id), 'train', 'refs/heads/main', repeat('a', 40), 'manual', 'admin', 'failed', '{}'
                FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE p.id = @projectId
                RETURNING id, project_id, client_id)
            INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, status, spec, finished_at)
            SELECT id, project_id, client_id, 'fit', 'train', 'refs/heads/main', repeat('a', 40), 'failed', '{}', now() FROM run
            RETURNING run_id, id
            """, new { projectId });
        await ExecuteScalarAsync<int>(
            "INSERT INTO job_usage (job_id, attempt, wall_seconds, cpu_core_seconds, final, finished_at) VALUES (@jobId, 1, 10, 5, true, now())",
            new { jobId });
        await Services.GetRequiredService<JobOutputRepository>().SaveMetricsAsync(jobId, [new("loss", 0.5, 1)], default);
        await Services.GetRequiredService<JobLogStore>().AppendAsync(jobId, 0, new MemoryStream("hello\n"u8.ToArray()), default);
        var model = "model bytes"u8.ToArray();
        await Services.GetRequiredService<ArtifactStore>().SaveAsync(jobId, "model", "model", "file",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(model)), new MemoryStream(model), default);
        return (runId.ToString(), jobId.ToString());
    }

    public async Task<T> ExecuteScalarAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        return (await connection.ExecuteScalarAsync<T>(sql, parameters))!;
    }

    public async Task<T> QuerySingleAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        return await connection.QuerySingleAsync<T>(sql, parameters);
    }
}

/// <summary>The names a case's URL and body use (`{g}`, `{run}`, …) and what they stand for in one arranged case.</summary>
public sealed class Scene(IReadOnlyDictionary<string, string> values, long projectId)
{
    public long ProjectId => projectId;

    public IReadOnlyDictionary<string, string> Values => values;

    public string this[string name] => values[name];

    public string Fill(string text) => values.Aggregate(text, (t, v) => t.Replace(v.Key, v.Value));

    /// <summary>The same names standing for things that do not exist: another group, ids never handed out.</summary>
    public Scene Missing() => new(values.ToDictionary(v => v.Key, v => v.Key == "{g}"
        ? "g" + Guid.NewGuid().ToString("N")[..10]
        : (900_000_000_000 + Random.Shared.NextInt64(100_000_000_000)).ToString()), 0);

    /// <summary><paramref name="text"/> (written for <paramref name="missing"/>) with its names put back to this scene's.</summary>
    public string Restore(string text, Scene missing) =>
        values.Aggregate(text, (t, v) => t.Replace(missing[v.Key], v.Value));
}
