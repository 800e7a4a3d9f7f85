using System.Text.RegularExpressions;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// One-step runs: a published operation run on its own in a project (training or batch
/// prediction), billed to the project's client like any run: a run with trigger `operation` and
/// one job, compiled exactly as a pipeline step that uses the operation would be.
/// </summary>
public sealed partial class OperationRunHandler(AccessGate gate, CatalogResolverFactory resolvers, OperationSource source,
    RunArtifactInputs artifacts, NpgsqlDataSource dataSource)
{
    public async Task<OperationRunResponse> StartAsync(Caller caller, string owner, string name, string version, OperationRunRequest request,
        CancellationToken cancellationToken)
    {
        var validator = new Validator();
        var (ns, path) = CatalogPaths.SplitProject(request.Project, validator);
        validator.ThrowIfAny();

        var project = await gate.ProjectAsync(caller, ns!, path!, ProjectAction.Run, cancellationToken);
        var lookup = await resolvers.For(caller).ResolveAsync(owner, name, version, cancellationToken);
        if (lookup.Refusal is { } refusal)
        {
            throw new ValidationException("version", refusal + (lookup.RefusalHint is { } h ? $" ({h})" : "") + ".");
        }
        var operation = lookup.Operation ?? throw new NotFoundException(lookup.KnownVersions.Count == 0
            ? $"Operation '{owner}/{name}' not found."
            : $"Operation '{owner}/{name}' has no version '{version}'; known versions: {string.Join(", ", lookup.KnownVersions)}.");

        var gitRef = string.IsNullOrWhiteSpace(request.Ref) ? project.DefaultBranch : request.Ref.Trim();
        var commit = await source.CommitAsync(project, gitRef, cancellationToken)
            ?? throw new ValidationException("ref", $"ref '{gitRef}' is not a commit of {project.FullPath}.");

        var context = new CompileContext { Project = project.FullPath, Client = project.ClientPath, CommitSha = commit, Ref = gitRef };
        var errors = new ErrorSink("request");
        var graph = OperationRun.Compile(operation, request.Inputs, request.Params, context, errors, request.Tags);
        if (graph is null)
        {
            throw Invalid(errors);
        }
        var job = graph.Jobs[0];
        await artifacts.CheckAsync(caller, job.Inputs.Select(i => (job.Name, i)), cancellationToken);

        var run = new CatalogRun(project.ProjectId, project.ClientId, graph.Pipeline, gitRef, commit, caller.UserId, caller.Username,
            job.Params, graph, CatalogJob.From(job));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (runId, jobId) = await CatalogRunWriter.InsertAsync(connection, transaction, run, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new OperationRunResponse(runId, jobId, project.FullPath, "pending", operation.Id, commit);
    }

    [GeneratedRegex(@"\b(param|input) '([A-Za-z_][A-Za-z0-9_]*)'")]
    private static partial Regex NamedPort();

    // The library speaks of "param 'max_iter'"; the API answers under the field the client sent.
    private static ValidationException Invalid(ErrorSink errors)
    {
        var fields = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var e in errors.Errors)
        {
            var m = NamedPort().Match(e.Message);
            var field = m.Success ? $"{m.Groups[1].Value}s.{m.Groups[2].Value}"
                : e.Message.Contains("params", StringComparison.Ordinal) ? "params"
                : e.Message.Contains("tag", StringComparison.Ordinal) ? "tags"
                : e.Message.Contains("input", StringComparison.Ordinal) ? "inputs" : "body";
            if (!fields.TryGetValue(field, out var list)) fields[field] = list = [];
            list.Add(e.Message + (e.Hint is null ? "" : $" ({e.Hint})"));
        }
        return new ValidationException(fields.ToDictionary(f => f.Key, f => f.Value.ToArray()));
    }
}
