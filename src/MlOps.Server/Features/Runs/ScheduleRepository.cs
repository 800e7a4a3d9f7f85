using System.Data.Common;
using Dapper;
using MlOps.Pipelines.Model;
using Npgsql;

namespace MlOps.Server.Features.Runs;

public sealed record ScheduleRow(long ProjectId, string Branch, string Pipeline, string Cron);

/// <summary>The pipeline_schedules table: what the scheduler looks at each minute.</summary>
public sealed class ScheduleRepository(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Replaces the schedules that run on <paramref name="branch"/> with those its new head defines
    /// (null file: the head has no valid mlops.yml, so none), in the push's transaction.
    /// </summary>
    public static async Task RefreshAsync(DbConnection connection, DbTransaction transaction, long projectId, string branch,
        string defaultBranch, PipelineFile? file, CancellationToken cancellationToken)
    {
        var schedules = file?.Pipelines
            .SelectMany(p => p.Triggers.Schedules.Where(s => (s.Branch ?? defaultBranch) == branch).Select(s => (p.Name, s.Cron)))
            .Distinct().ToList() ?? [];
        await connection.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM pipeline_schedules WHERE project_id = @projectId AND branch = @branch;
            INSERT INTO pipeline_schedules (project_id, branch, pipeline, cron)
            SELECT @projectId, @branch, p, c FROM unnest(@pipelines, @crons) AS s(p, c);
            """, new
            {
                projectId, branch, pipelines = schedules.Select(s => s.Name).ToArray(), crons = schedules.Select(s => s.Cron).ToArray(),
            }, transaction, cancellationToken: cancellationToken));
    }

    public async Task<IReadOnlyList<ScheduleRow>> AllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ScheduleRow>(new CommandDefinition(
            "SELECT project_id, branch, pipeline, cron FROM pipeline_schedules ORDER BY project_id", cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
