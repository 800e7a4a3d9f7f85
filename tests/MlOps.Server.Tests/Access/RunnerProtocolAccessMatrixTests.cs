using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.JobOutputs;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Tests.Access;

/// <summary>
/// The runner protocol has callers of its own: a runner (its token in the body), a running job (its
/// token in the JOB-TOKEN header, good for that job only and for reading its own project), and people,
/// who have no business there. Each case registers its own runner and starts (in the tables) a job
/// `{job}` of the private project `{g}/p` that needs a finished job with an artifact, and another
/// running job in another private group.
/// </summary>
public sealed class RunnerProtocolAccessMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    public enum Credential { Anonymous, PersonalToken, RunnerToken, ThisJobToken, OtherJobToken }

    /// <summary>One endpoint; statuses in <see cref="Credential"/> order. <paramref name="TokenInBody"/>: the credential is the body's `token`.</summary>
    public sealed record Case(string Method, string Url, object? Body, int[] Statuses, bool TokenInBody = false,
        IReadOnlyDictionary<string, string>? Headers = null);

    private static readonly byte[] Upload = "weights"u8.ToArray();

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["POST request job"] = new("POST", "/api/v1/runner/jobs/request", new { capacity = new { concurrency = 1, executor = "process" } },
            [403, 403, 204, 403, 403], TokenInBody: true),
        ["POST verify"] = new("POST", "/api/v1/runner/verify", new { }, [403, 403, 200, 403, 403], TokenInBody: true),
        ["DELETE runner"] = new("DELETE", "/api/v1/runner", new { }, [403, 403, 204, 403, 403], TokenInBody: true),
        ["PUT job state"] = new("PUT", "/api/v1/runner/jobs/{job}", new { state = "running" }, [401, 401, 401, 200, 403]),
        ["PATCH job log"] = new("PATCH", "/api/v1/runner/jobs/{job}/log?offset=0", "line\n", [401, 401, 401, 202, 403]),
        ["PUT job artifact"] = new("PUT", "/api/v1/runner/jobs/{job}/artifacts/weights", System.Text.Encoding.UTF8.GetString(Upload),
            [401, 401, 401, 201, 403],
            Headers: new Dictionary<string, string> { ["X-Checksum-Sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Upload)) }),
        ["GET job dependency"] = new("GET", "/api/v1/runner/jobs/{job}/dependencies/{artifact}", null, [401, 401, 401, 200, 403]),
        ["POST job metrics"] = new("POST", "/api/v1/runner/jobs/{job}/metrics", new { metrics = new[] { new { name = "loss", value = 0.1 } } },
            [401, 401, 401, 200, 403]),
        // The users' REST API refuses job tokens outright, whatever they name (so nothing is told apart);
        // Git and LFS read the job's own project only, and never push; they answer in their own formats.
        ["GET job"] = new("GET", "/api/v1/jobs/{job}", null, [404, 200, 401, 403, 403]),
        ["GET job log"] = new("GET", "/api/v1/jobs/{job}/log", null, [404, 200, 401, 403, 403]),
        ["POST cancel run"] = new("POST", "/api/v1/runs/{run}/cancel", null, [401, 200, 401, 403, 403]),
        ["GET project secrets"] = new("GET", "/api/v1/projects/{g}/p/secrets", null, [404, 200, 401, 403, 403]),
        ["GET git upload-pack refs"] = new("GET", "/{g}/p.git/info/refs?service=git-upload-pack", null, [401, 200, 401, 200, 404]),
        ["POST lfs batch download"] = new("POST", "/{g}/p.git/info/lfs/objects/batch",
            new { operation = "download", objects = new[] { new { oid = new string('a', 64), size = 1 } } }, [401, 200, 401, 200, 404]),
        ["GET git receive-pack refs"] = new("GET", "/{g}/p.git/info/refs?service=git-receive-pack", null, [401, 200, 401, 403, 404]),
    };

    public static TheoryData<string, Credential> Matrix()
    {
        var data = new TheoryData<string, Credential>();
        foreach (var name in Cases.Keys)
        {
            foreach (var caller in Enum.GetValues<Credential>())
            {
                data.Add(name, caller);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Endpoint_Caller_AnswersExactStatus(string endpoint, Credential caller)
    {
        var @case = Cases[endpoint];
        var (scene, tokens) = await ArrangeAsync();
        var token = caller == Credential.Anonymous ? null : tokens[caller];

        using var client = fixture.Anonymous();
        var response = await client.SendAsync(Request(@case, scene, token, caller));

        var expected = @case.Statuses[(int)caller];
        Assert.True(expected == (int)response.StatusCode,
            $"{endpoint} as {caller}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected >= 400 && @case.Url.StartsWith("/api", StringComparison.Ordinal))
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static HttpRequestMessage Request(Case @case, Scene scene, string? token, Credential caller)
    {
        var body = @case.Body;
        if (@case.TokenInBody)
        {
            var withToken = JsonSerializer.SerializeToNode(body, MlOpsServer.Json)!.AsObject();
            withToken["token"] = token ?? "";
            body = withToken;
        }
        var request = AccessMatrix.Request(new AccessCase(@case.Method, @case.Url, body, [], Headers: @case.Headers), scene);
        if (token is not null && !@case.TokenInBody)
        {
            if (caller is Credential.ThisJobToken or Credential.OtherJobToken)
            {
                request.Headers.Add(JobTokens.Header, token);
            }
            else
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }
        }
        return request;
    }

    /// <summary>The scene (`{g}`, `{run}`, `{job}`, `{artifact}`) and each caller's token.</summary>
    private async Task<(Scene Scene, Dictionary<Credential, string> Tokens)> ArrangeAsync()
    {
        var scene = await fixture.ArrangeAsync("private", Seed.Commit);
        var other = await fixture.ArrangeAsync("private", Seed.None);
        using var admin = fixture.Admin();
        var runner = await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/runner/register",
            new { registration_token = AccessFixture.RegistrationToken, name = scene["{g}"] }, MlOpsServer.Json));
        var runnerId = runner.GetProperty("id").GetInt64();
        var (run, job, artifact, thisToken) = await StartJobAsync(scene.ProjectId, runnerId);
        var (_, _, _, otherToken) = await StartJobAsync(other.ProjectId, runnerId);
        var values = new Dictionary<string, string>(scene.Values)
        {
            ["{run}"] = run.ToString(), ["{job}"] = job.ToString(), ["{artifact}"] = artifact.ToString(),
        };
        return (new Scene(values, scene.ProjectId), new Dictionary<Credential, string>
        {
            [Credential.PersonalToken] = fixture.Tokens[Role.Owner]!,
            [Credential.RunnerToken] = runner.GetProperty("token").GetString()!,
            [Credential.ThisJobToken] = thisToken,
            [Credential.OtherJobToken] = otherToken,
        });
    }

    /// <summary>A run whose job `prep` succeeded with an artifact and whose job `fit` (needing it) runs now under a known token.</summary>
    private async Task<(long Run, long Job, long Artifact, string Token)> StartJobAsync(long projectId, long runnerId)
    {
        var token = JobTokens.Prefix + Guid.NewGuid().ToString("N");
        var (runId, prepId, fitId) = await fixture.QuerySingleAsync<(long, long, long)>(
            """
            WITH run AS (
                INSERT INTO runs (project_id, client_id, pipeline, ref, commit_sha, trigger, triggered_by_name, status, graph)
                SELECT p.id, COALESCE(n.parent_id, n.id), 'train', 'refs/heads/main', repeat('a', 40), 'manual', 'admin', 'running', '{}'
                FROM projects p JOIN namespaces n ON n.id = p.namespace_id WHERE p.id = @projectId
                RETURNING id, project_id, client_id),
            prep AS (
                INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, status, spec, finished_at)
                SELECT id, project_id, client_id, 'prep', 'train', 'refs/heads/main', repeat('a', 40), 'success', '{}', now() FROM run
                RETURNING id),
            fit AS (
                INSERT INTO jobs (run_id, project_id, client_id, name, pipeline, ref, commit_sha, status, spec, needs, runner_id, token_hash,
                                  lease_expires_at, started_at)
                SELECT id, project_id, client_id, 'fit', 'train', 'refs/heads/main', repeat('a', 40), 'running', '{}', '{prep}', @runnerId,
                       @hash, now() + interval '1 hour', now() FROM run
                RETURNING id)
            SELECT (SELECT id FROM run), (SELECT id FROM prep), (SELECT id FROM fit)
            """, new { projectId, runnerId, hash = TokenHasher.Hash(token) });
        var table = "a,b\n1,2\n"u8.ToArray();
        var artifact = await fixture.Services.GetRequiredService<ArtifactStore>().SaveAsync(prepId, "table", "table", "file",
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(table)), new MemoryStream(table), default);
        return (runId, fitId, artifact.Id, token);
    }
}
