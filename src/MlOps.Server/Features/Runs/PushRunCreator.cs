using System.Data.Common;
using MlOps.Pipelines.Triggers;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Runs;

/// <summary>
/// Turns one push event into its runs, inside the transaction that claimed the event: the runs, all
/// their jobs and the event's outcome commit together, and each run's dedup key
/// (`push:&lt;event&gt;:&lt;pipeline&gt;`) makes a second attempt create nothing.
/// </summary>
public sealed class PushRunCreator(RunRepository runs, RunPlanner planner, GitBackends backends, ILogger<PushRunCreator> logger)
{
    /// <summary>Where the definition failed to parse: the failed run's dedup key suffix.</summary>
    public const string BrokenDefinitionKey = "!mlops.yml";

    public async Task<string> CreateAsync(DbConnection connection, DbTransaction transaction, PushEventRow e,
        CancellationToken cancellationToken)
    {
        if (CommitReader.IsZero(e.AfterSha))
        {
            return "deleted_ref";
        }
        if (await runs.ProjectAsync(e.ProjectId, cancellationToken) is not { } project)
        {
            return "project_gone";
        }
        var backend = backends.For(project.GitBackend);
        await backend.SyncAsync(project.Id, cancellationToken);
        // A merge request's paths are those changed since the merge base with its target branch.
        var baseBranch = e.Kind == "merge_request" ? e.TargetBranch ?? project.DefaultBranch : project.DefaultBranch;
        var facts = await CommitReader.ReadAsync(backend.LocalPath(project.Id), e.BeforeSha, e.AfterSha, baseBranch)
            ?? throw new InvalidOperationException($"Commit {e.AfterSha} is not in the repository of project {project.Id} yet.");
        if (SkipCi(facts.Message))
        {
            return "skip_ci";
        }
        if (facts.Definition is null)
        {
            return "no_definition";
        }

        var kind = e.Kind == "merge_request" ? "merge_request" : e.Ref.StartsWith("refs/tags/", StringComparison.Ordinal) ? "tag" : "push";
        var trigger = new RunTrigger(kind, e.Ref, facts.Sha, e.PusherId, e.PusherUsername, PushEventId: e.Id, DeliveryId: e.DeliveryId);
        var context = new
        {
            kind, source = e.Source, push_event_id = e.Id, delivery_id = e.DeliveryId, before = e.BeforeSha, after = e.AfterSha,
            target_branch = e.TargetBranch, changed_paths = facts.ChangedPaths.Count, changed_since = CommitReader.IsZero(e.BeforeSha) ? "merge_base_with_default_branch" : "before",
        };
        var (file, errors) = await planner.ParseAsync(facts.Definition, cancellationToken);
        if (kind == "push" && e.Kind == "push")
        {
            await ScheduleRepository.RefreshAsync(connection, transaction, project.Id, e.Ref["refs/heads/".Length..], project.DefaultBranch,
                file, cancellationToken);
        }
        if (file is null)
        {
            await RunRepository.InsertAsync(connection, transaction,
                RunPlanner.BrokenDefinition(errors, project, trigger, context, $"push:{e.Id}:{BrokenDefinitionKey}"), cancellationToken);
            return "failed_definition";
        }

        var created = new List<long>();
        var matched = file.Pipelines.Where(p => e.Kind == "merge_request"
            ? TriggerMatcher.MatchesMergeRequest(p.Triggers, baseBranch, facts.ChangedPaths)
            : TriggerMatcher.MatchesPush(p.Triggers, e.Ref, facts.ChangedPaths)).ToList();
        foreach (var pipeline in matched)
        {
            var plan = await planner.PlanAsync(file, pipeline, project, backend.LocalPath(project.Id), e.Ref, facts.Sha,
                new Dictionary<string, string>(), e.PusherId, cancellationToken);
            var id = await RunRepository.InsertAsync(connection, transaction,
                RunPlanner.ToNewRun(plan, project, trigger, context, $"push:{e.Id}:{pipeline.Name}"), cancellationToken);
            if (id is { } runId)
            {
                created.Add(runId);
            }
        }
        if (created.Count > 0)
        {
            logger.LogInformation("Push event {PushEventId} of project {ProjectId} made runs {RunIds}", e.Id, project.Id, created);
        }
        return matched.Count == 0 ? "no_match" : created.Count == 0 ? "already_created" : "runs: " + string.Join(',', created);
    }

    /// <summary>GitLab's and GitHub's markers for "do not run CI for this push", anywhere in the head commit's message.</summary>
    public static bool SkipCi(string message) =>
        message.Contains("[skip ci]", StringComparison.OrdinalIgnoreCase) || message.Contains("[ci skip]", StringComparison.OrdinalIgnoreCase);
}
