using System.Text.Json;
using Dapper;
using MlOps.Contracts.Runner;
using MlOps.Server.Features.Secrets;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>Turns a claimed job row into what the runner receives: the spec it needs, secrets by value, the artifacts of the jobs it needs.</summary>
public sealed class JobPayloadBuilder(NpgsqlDataSource dataSource, SecretVault secrets)
{
    public async Task<JobPayload> BuildAsync(ClaimedJob job, string jobToken, Uri serverUrl, RunnerJobOptions options,
        CancellationToken cancellationToken)
    {
        using var document = JsonDocument.Parse(job.Spec);
        var spec = document.RootElement;
        var repositoryUrl = RepositoryUrl(serverUrl, job.ProjectPath);
        var inputs = Array(spec, "inputs").Select(i => new JobSpecInput(
            Str(i, "name")!, Str(i, "kind")!, Str(i, "project"), Str(i, "ref"), Str(i, "path"), Str(i, "step"), Str(i, "output"),
            Str(i, "stage_path")!, Str(i, "kind") == "project" ? RepositoryUrl(serverUrl, Str(i, "project")!) : null)).ToList();
        var resources = spec.TryGetProperty("resources", out var r) ? r : default;
        var jobSpec = new JobSpec(
            Str(spec, "image") ?? "",
            spec.TryGetProperty("checkout", out var checkout) && checkout.ValueKind == JsonValueKind.True,
            Array(spec, "argv").Select(a => a.GetString()!).ToList(),
            spec.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.Object
                ? env.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : new Dictionary<string, string>(),
            inputs,
            Array(spec, "outputs").Select(o => new JobSpecOutput(Str(o, "name")!, Str(o, "type") ?? "artifact", Str(o, "path")!)).ToList(),
            resources.ValueKind == JsonValueKind.Object && resources.TryGetProperty("gpus", out var g) ? g.GetInt32() : 0,
            resources.ValueKind == JsonValueKind.Object ? Str(resources, "gpu_model") : null,
            resources.ValueKind == JsonValueKind.Object && resources.TryGetProperty("cpus", out var c) ? c.GetDouble() : 0,
            resources.ValueKind == JsonValueKind.Object && resources.TryGetProperty("memory_bytes", out var m) ? m.GetInt64() : 0,
            spec.TryGetProperty("timeout_seconds", out var t) ? t.GetInt32() : 3600,
            Str(spec, "network") ?? "none",
            ImageBuildOf(spec));
        var secretNames = Array(spec, "secrets").Select(s => s.GetString()!).ToList();
        var values = await secrets.ResolveAsync(job.ProjectId, secretNames, cancellationToken);
        return new JobPayload(job.Id, job.RunId, job.Name, job.Attempt, jobToken, job.ProjectPath, job.Ref, job.CommitSha, repositoryUrl,
            jobSpec, job.GpuUuids, values, await DependenciesAsync(job, cancellationToken), job.LogOffset, options.LeaseSeconds,
            options.HeartbeatSeconds);
    }

    // The artifacts of every job this one needs, placed where that job wrote them (which is where
    // the compiler points this job's references). A cached job's outputs are the artifacts of the
    // job it reuses.
    private async Task<IReadOnlyList<JobDependency>> DependenciesAsync(ClaimedJob job, CancellationToken cancellationToken)
    {
        if (!job.HasNeeds)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<JobDependency>(new CommandDefinition(
            """
            SELECT a.id AS artifact_id, d.name AS step, a.name AS output, a.type, a.format,
                   COALESCE((SELECT o ->> 'path' FROM jsonb_array_elements(d.spec -> 'outputs') o WHERE o ->> 'name' = a.name),
                            '.mlops/' || d.name || '/' || a.name) AS stage_path,
                   a.size_bytes, a.sha256
            FROM jobs me
            JOIN jobs d ON d.run_id = me.run_id AND d.name = ANY (me.needs)
            JOIN job_artifacts a ON a.job_id = CASE WHEN d.status = 'cached' THEN d.cached_from ELSE d.id END
            WHERE me.id = @Id
            ORDER BY d.name, a.name
            """, new { job.Id }, cancellationToken: cancellationToken))).AsList();
    }

    // An operation's image build (docs/catalog.md, "The image_build job"): the runner needs where and how, not which operation.
    private static ImageBuildSpec? ImageBuildOf(JsonElement spec) =>
        spec.TryGetProperty("image_build", out var b) && b.ValueKind == JsonValueKind.Object
            ? new ImageBuildSpec(Str(b, "context") ?? ".", Str(b, "dockerfile") ?? "Dockerfile", Str(b, "target")!,
                b.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object
                    ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : new Dictionary<string, string>())
            : null;

    private static string RepositoryUrl(Uri server, string projectPath) => new Uri(server, projectPath + ".git").AbsoluteUri;

    private static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];
}
