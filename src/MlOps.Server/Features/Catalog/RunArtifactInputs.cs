using Dapper;
using MlOps.Pipelines.Compilation;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// Checks inputs of the form <c>{ run: 123, job: fit, output: model }</c> before a run is created:
/// the run must be one the caller may read (otherwise it answers as absent), and its job must
/// have succeeded with that output. Run creation for pipelines should call this too.
/// </summary>
public sealed class RunArtifactInputs(AccessGate gate, NpgsqlDataSource dataSource)
{
    public async Task CheckAsync(Caller caller, IEnumerable<(string Step, JobInput Input)> inputs, CancellationToken cancellationToken)
    {
        var validator = new Validator();
        foreach (var (step, input) in inputs.Where(i => i.Input.Kind == InputKinds.Run))
        {
            if (await ProblemAsync(caller, input, cancellationToken) is { } problem)
            {
                validator.Add($"inputs.{input.Name}", problem);
            }
        }
        validator.ThrowIfAny();
    }

    private async Task<string?> ProblemAsync(Caller caller, JobInput input, CancellationToken cancellationToken)
    {
        var (run, job, output) = (input.Run!.Value, input.Step!, input.Output!);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(long ProjectId, long? JobId, string? Status, bool HasOutput)?>(new CommandDefinition(
            """
            SELECT r.project_id, j.id, j.status,
                   EXISTS (SELECT 1 FROM job_artifacts a WHERE a.job_id = j.id AND a.name = @output)
            FROM runs r LEFT JOIN jobs j ON j.run_id = r.id AND j.name = @job
            WHERE r.id = @run
            """, new { run, job, output }, cancellationToken: cancellationToken));
        var absent = $"run {run} not found";
        if (row is not { } found)
        {
            return absent;
        }
        try
        {
            await gate.ProjectAsync(caller, found.ProjectId, ProjectAction.Read, cancellationToken);
        }
        catch (NotFoundException)
        {
            return absent;
        }
        return found.JobId is null ? $"run {run} has no job '{job}'"
            : found.Status is not ("success" or "cached") ? $"job '{job}' of run {run} has not succeeded (it is {found.Status})"
            : !found.HasOutput ? $"job '{job}' of run {run} has no output '{output}'"
            : null;
    }
}
