using System.Globalization;
using System.Security.Claims;
using Dapper;
using Npgsql;

namespace MlOps.Server.Infrastructure.Auth;

/// <summary>
/// What a job token may reach: its own job (runner calls under /api/v1/runner/jobs/{id}), reading
/// its project's repository, and reading the other projects its inputs name (as far as the user
/// who started the run may). Nothing else: the gate refuses every other action and project.
/// </summary>
public sealed record JobScope(long JobId, long ProjectId, IReadOnlySet<string> InputProjects);

public static class JobTokens
{
    public const string Prefix = "mljt-";

    /// <summary>The header runner calls carry the job token in (as in GitLab's runner API).</summary>
    public const string Header = "JOB-TOKEN";

    public const string JobIdClaim = "mlops:job_id";
    public const string ProjectIdClaim = "mlops:job_project_id";
    public const string InputProjectClaim = "mlops:job_input_project";

    /// <summary>
    /// Claims for a job token, or null when no running job holds it (a finished or reaped job's token
    /// is dead). The caller acts as the user who started the run, so reading another project never
    /// goes beyond what that user may read; a run nobody started (a webhook) reads only its project.
    /// </summary>
    internal static async Task<List<Claim>?> AuthenticateAsync(NpgsqlConnection connection, string token, CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<JobRow>(new CommandDefinition(
            """
            SELECT j.id, j.project_id, COALESCE(j.triggered_by, 0) AS user_id,
                   ARRAY(SELECT DISTINCT i ->> 'project' FROM jsonb_array_elements(j.spec -> 'inputs') i
                         WHERE i ->> 'kind' = 'project' AND i ->> 'project' IS NOT NULL) AS input_projects
            FROM jobs j WHERE j.token_hash = @hash AND j.status = 'running'
            """, new { hash = TokenHasher.Hash(token) }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, $"job-{row.Id}"),
            new(Caller.UserIdClaim, row.UserId.ToString(CultureInfo.InvariantCulture)),
            new(Caller.TokenIdClaim, "0"),
            new(Caller.AdminClaim, "false"),
            new(Caller.ScopeClaim, Scopes.ReadRepository),
            new(JobIdClaim, row.Id.ToString(CultureInfo.InvariantCulture)),
            new(ProjectIdClaim, row.ProjectId.ToString(CultureInfo.InvariantCulture)),
        };
        claims.AddRange(row.InputProjects.Select(p => new Claim(InputProjectClaim, p)));
        return claims;
    }

    internal static JobScope? From(ClaimsPrincipal principal) =>
        principal.FindFirstValue(JobIdClaim) is { } id
            ? new JobScope(long.Parse(id, CultureInfo.InvariantCulture),
                long.Parse(principal.FindFirstValue(ProjectIdClaim)!, CultureInfo.InvariantCulture),
                principal.FindAll(InputProjectClaim).Select(c => c.Value).ToHashSet(StringComparer.OrdinalIgnoreCase))
            : null;

    private sealed class JobRow
    {
        public long Id { get; init; }
        public long ProjectId { get; init; }
        public long UserId { get; init; }
        public string[] InputProjects { get; init; } = [];
    }
}
