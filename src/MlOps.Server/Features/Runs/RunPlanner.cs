using MlOps.Server.Infrastructure.Pipelines;
using MlOps.Server.Infrastructure.Auth;
using System.Text.Json;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Pipelines.Validation;
using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Features.Runs;

/// <summary>A run to create: a compiled graph, or the compiler's messages (a failed run).</summary>
public sealed record PlannedRun(
    string? Pipeline,
    JobGraph? Graph,
    IReadOnlyList<LintError> Errors,
    IReadOnlyDictionary<string, object> Params,
    IReadOnlyDictionary<string, string> ContentIds,
    IReadOnlyDictionary<string, string> ResolvedInputs,
    ConcurrencySpec? Concurrency);

/// <summary>
/// From an mlops.yml at a commit to the runs a trigger starts: parse, pick the pipelines the
/// trigger matches, validate and compile each with the content ids of its inputs. A broken file
/// is one failed run that belongs to no pipeline; a broken pipeline is a failed run of that pipeline.
/// </summary>
public sealed class RunPlanner(IOperationResolverFactory operations, ExternalInputs externalInputs)
{
    public async Task<(PipelineFile? File, IReadOnlyList<LintError> Errors)> ParseAsync(string content, CancellationToken cancellationToken)
    {
        var errors = new ErrorSink(CommitReader.DefinitionFile);
        var file = PipelineParser.Parse(content, errors);
        if (errors.HasErrors && file is not null)
        {
            // Report what the validator finds too, so the failed run lists every problem at once.
            PipelineValidator.Validate(file, await PipelineValidator.ResolveAllAsync(file, operations.For(null), cancellationToken),
                CompileContext.Default, errors);
        }
        return (errors.HasErrors ? null : file, errors.Sorted());
    }

    public async Task<PlannedRun> PlanAsync(PipelineFile file, PipelineDefinition pipeline, ProjectInfo project, string repositoryPath,
        string gitRef, string commitSha, IReadOnlyDictionary<string, string> paramOverrides, long? userId,
        CancellationToken cancellationToken)
    {
        var repositoryPaths = pipeline.Steps.SelectMany(s => s.Inputs.Values).OfType<RepositoryInput>().Select(i => i.Path).Append("");
        var contentIds = await CommitReader.ContentIdsAsync(repositoryPath, commitSha, repositoryPaths);
        var external = await externalInputs.ResolveAsync(
            pipeline.Steps.SelectMany(s => s.Inputs.Values).OfType<ProjectInput>().ToList(), userId, cancellationToken);

        var context = new CompileContext
        {
            Project = project.FullPath,
            Client = project.ClientPath,
            CommitSha = commitSha,
            Ref = gitRef,
            Pipeline = pipeline.Name,
            ParamOverrides = paramOverrides,
            ContentIds = location => location.Project == project.FullPath && location.Ref == commitSha
                ? contentIds.GetValueOrDefault(location.Path)
                : external.ContentIds.GetValueOrDefault(ExternalInputs.Key(location.Project, location.Ref, location.Path)),
        };
        var errors = new ErrorSink(CommitReader.DefinitionFile);
        // `uses:` resolves as the user who triggered the run sees the catalog (scheduled runs, with no
        // user, see public operations only).
        var resolver = operations.For(userId is { } id ? new Caller(id, "", false, new HashSet<string> { Scopes.Api }, 0) : null);
        var validated = PipelineValidator.Validate(file, await PipelineValidator.ResolveAllAsync(file, resolver, cancellationToken),
            context, errors);
        var concurrency = ConcurrencySpec.For(pipeline, gitRef);
        if (errors.HasErrors || validated.Count != 1)
        {
            return new PlannedRun(pipeline.Name, null, errors.Sorted(), new Dictionary<string, object>(), contentIds,
                external.Commits, concurrency);
        }
        var graph = PipelineCompiler.Compile(validated[0], context);
        var parameters = validated[0].Params.ToDictionary(p => p.Key, p => p.Value.ToObject(), StringComparer.Ordinal);
        return new PlannedRun(pipeline.Name, graph, [], parameters, contentIds, external.Commits, concurrency);
    }

    /// <summary>The rows to insert for a plan: jobs out of the graph, the failed run's error, what the graph lacks.</summary>
    public static NewRun ToNewRun(PlannedRun plan, ProjectInfo project, RunTrigger trigger, object triggerContext, string? dedupKey)
    {
        var jobs = plan.Graph?.Jobs.Select(j => new NewJob(j.Name, j.Needs, JsonSerializer.Serialize(j, StoredJson.Options),
            j.Resources.Gpus, j.Resources.GpuModel, j.Resources.Cpus, j.Resources.MemoryBytes, j.TimeoutSeconds, j.CacheKey,
            j.Cacheable) { Tags = j.Tags, MaxAttempts = j.Retry + 1 }).ToList() ?? [];
        var context = new Dictionary<string, object?>
        {
            ["trigger"] = triggerContext,
            ["content_ids"] = plan.ContentIds,
            ["resolved_inputs"] = plan.ResolvedInputs,
        };
        return new NewRun(project.Id, project.ClientId, plan.Pipeline, trigger,
            JsonSerializer.Serialize(plan.Params, StoredJson.Options),
            plan.Graph is null ? null : JsonSerializer.Serialize(plan.Graph, StoredJson.Options),
            plan.Errors.Count == 0 ? null : ErrorJson(plan.Errors),
            JsonSerializer.Serialize(context, StoredJson.Options),
            trigger.Kind is "push" or "tag" or "merge_request" ? plan.Concurrency?.Group : plan.Concurrency?.ExplicitGroup,
            plan.Concurrency?.CancelRunning ?? false, dedupKey, jobs);
    }

    /// <summary>A failed run for a file that does not parse: it belongs to no pipeline.</summary>
    public static NewRun BrokenDefinition(IReadOnlyList<LintError> errors, ProjectInfo project, RunTrigger trigger, object triggerContext,
        string? dedupKey) =>
        new(project.Id, project.ClientId, null, trigger, "{}", null, ErrorJson(errors),
            JsonSerializer.Serialize(new Dictionary<string, object?> { ["trigger"] = triggerContext }, StoredJson.Options),
            null, false, dedupKey, []);

    private static string ErrorJson(IReadOnlyList<LintError> errors) => JsonSerializer.Serialize(new
    {
        message = $"{CommitReader.DefinitionFile} has {errors.Count} error(s): " + string.Join("; ", errors.Select(e => e.ToString())),
        errors = errors.Select(e => new { file = e.File, line = e.Line, column = e.Column, message = e.Message, hint = e.Hint }),
    }, StoredJson.Options);
}
