using System.Text.Json;
using System.Text.RegularExpressions;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Runs;

/// <summary>Reading runs and jobs, and the actions on them: manual runs, re-runs, cancel. Every call asks the gate.</summary>
public sealed partial class RunHandler(AccessGate gate, RunRepository runs, RunPlanner planner, GitBackends backends)
{
    private static readonly string[] Statuses = ["created", "pending", "running", "success", "failed", "canceled", "skipped"];

    public async Task<Page<RunResponse>> ListAsync(Caller? caller, string ns, string project, string? pipeline, string? gitRef,
        string? status, PageRequest page, CancellationToken cancellationToken)
    {
        var access = await gate.ProjectAsync(caller, ns, project, ProjectAction.Read, cancellationToken);
        if (status is not null && !Statuses.Contains(status))
        {
            throw new ValidationException("status", $"status must be one of: {string.Join(", ", Statuses)}.");
        }
        var fullRef = gitRef is null || gitRef.StartsWith("refs/", StringComparison.Ordinal) ? gitRef : "refs/heads/" + gitRef;
        var rows = await runs.ListAsync(access.ProjectId, pipeline, fullRef, status, page.After, page.FetchLimit, cancellationToken);
        return page.ToPage(rows, r => r.Id, r => RunResponse.From(r, null));
    }

    public async Task<RunResponse> GetAsync(Caller? caller, long runId, CancellationToken cancellationToken)
    {
        var run = await RunFor(caller, runId, ProjectAction.Read, cancellationToken);
        return RunResponse.From(run, await runs.JobsAsync(runId, cancellationToken));
    }

    public async Task<JobResponse> GetJobAsync(Caller? caller, long jobId, CancellationToken cancellationToken)
    {
        var job = await runs.JobAsync(jobId, cancellationToken) ?? throw new NotFoundException($"Job {jobId} not found.");
        await gate.ProjectAsync(caller, job.ProjectId, ProjectAction.Read, cancellationToken, $"Job {jobId} not found.");
        return JobResponse.From(job, withSpec: true);
    }

    public async Task<RunResponse> CancelAsync(Caller caller, long runId, CancellationToken cancellationToken)
    {
        await RunFor(caller, runId, ProjectAction.Run, cancellationToken);
        await runs.CancelAsync(runId, $"canceled by {caller.Username}", cancellationToken);
        return await GetAsync(caller, runId, cancellationToken);
    }

    /// <summary>
    /// A new run of the same frozen graph at the same commit. With <paramref name="failedOnly"/> the
    /// jobs that succeeded (or were cached) are cached from the earlier run instead of running again.
    /// </summary>
    public async Task<RunResponse> RetryAsync(Caller caller, long runId, bool failedOnly, CancellationToken cancellationToken)
    {
        var run = await RunFor(caller, runId, ProjectAction.Run, cancellationToken);
        if (run.Graph is null || run.Pipeline is null)
        {
            throw new ValidationException("run", "This run records a broken mlops.yml and has no jobs to run again; push a fix instead.");
        }
        var project = await runs.ProjectAsync(run.ProjectId, cancellationToken) ?? throw new NotFoundException($"Run {runId} not found.");
        var jobs = (await runs.JobsAsync(runId, cancellationToken)).Select(j => new NewJob(j.Name, j.Needs, j.Spec, j.Gpus, j.GpuModel,
            j.Cpus, j.MemoryBytes, j.TimeoutSeconds, j.CacheKey, Cacheable: false,
            CachedFrom: failedOnly && j.Status is "success" or "cached" ? j.CachedFrom ?? j.Id : null)
            { Tags = j.Tags, MaxAttempts = j.MaxAttempts }).ToList();
        var trigger = new RunTrigger("retry", run.Ref, run.CommitSha, caller.UserId, caller.Username, RetryOf: run.Id);
        var context = JsonSerializer.Serialize(new { retry_of = run.Id, failed_only = failedOnly, original = JsonDocument.Parse(run.Context).RootElement });
        var id = await runs.CreateAsync(new NewRun(project.Id, project.ClientId, run.Pipeline, trigger, run.Params, run.Graph, null,
            context, run.ConcurrencyGroup, false, null, jobs), cancellationToken);
        return await GetAsync(caller, id!.Value, cancellationToken);
    }

    public async Task<RunResponse> CreateManualAsync(Caller caller, string ns, string projectPath, ManualRunRequest request,
        CancellationToken cancellationToken)
    {
        var access = await gate.ProjectAsync(caller, ns, projectPath, ProjectAction.Run, cancellationToken);
        new Validator()
            .Check(!string.IsNullOrWhiteSpace(request.Pipeline), "pipeline", "pipeline is required.")
            .ThrowIfAny();
        var project = await runs.ProjectAsync(access.ProjectId, cancellationToken) ?? throw new NotFoundException("Project not found.");
        var gitRef = string.IsNullOrWhiteSpace(request.Ref) ? project.DefaultBranch : request.Ref.Trim();
        var path = backends.For(project.GitBackend).LocalPath(project.Id);
        var resolved = await CommitReader.ResolveAsync(path, gitRef)
            ?? throw new ValidationException("ref", $"Ref '{gitRef}' does not exist in this project's repository.");
        if (resolved.Definition is null)
        {
            throw new ValidationException("ref", $"There is no {CommitReader.DefinitionFile} at '{gitRef}' ({resolved.Sha[..8]}).");
        }
        var (file, errors) = await planner.ParseAsync(resolved.Definition, cancellationToken);
        if (file is null)
        {
            throw new ValidationException(CommitReader.DefinitionFile,
                $"{CommitReader.DefinitionFile} at '{gitRef}' is invalid: " + string.Join("; ", errors.Select(e => e.ToString())));
        }
        var pipeline = file.Pipelines.FirstOrDefault(p => p.Name == request.Pipeline!.Trim())
            ?? throw new ValidationException("pipeline", $"Pipeline '{request.Pipeline}' is not defined in {CommitReader.DefinitionFile} at '{gitRef}'; " +
                $"it defines: {string.Join(", ", file.Pipelines.Select(p => p.Name))}.");
        if (!pipeline.Triggers.Manual)
        {
            throw new ValidationException("pipeline", $"Pipeline '{pipeline.Name}' has no manual trigger: add `manual: true` to its `on:` to start it by hand.");
        }
        var overrides = (request.Params ?? []).ToDictionary(p => p.Key, p => ParamText(p.Key, p.Value), StringComparer.Ordinal);
        var plan = await planner.PlanAsync(file, pipeline, project, path, resolved.FullRef, resolved.Sha, overrides, caller.UserId,
            cancellationToken);
        if (plan.Errors.Count > 0)
        {
            throw ParamErrors(plan.Errors);
        }
        var trigger = new RunTrigger("manual", resolved.FullRef, resolved.Sha, caller.UserId, caller.Username);
        var id = await runs.CreateAsync(RunPlanner.ToNewRun(plan, project, trigger, new { kind = "manual", requested_ref = gitRef }, null),
            cancellationToken);
        return await GetAsync(caller, id!.Value, cancellationToken);
    }

    private async Task<RunRow> RunFor(Caller? caller, long runId, ProjectAction action, CancellationToken cancellationToken)
    {
        var run = await runs.RunAsync(runId, cancellationToken) ?? throw new NotFoundException($"Run {runId} not found.");
        await gate.ProjectAsync(caller, run.ProjectId, action, cancellationToken, $"Run {runId} not found.");
        return run;
    }

    // Params arrive as JSON; the validator checks text against the declared type (lists in YAML flow form).
    private static string ParamText(string name, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String
            ? JsonSerializer.Serialize(i.GetString()) : i.GetRawText())) + "]",
        _ => throw new ValidationException("params." + name, $"param '{name}' must be a string, number, boolean or list."),
    };

    [GeneratedRegex("param '([^']+)'")]
    private static partial Regex ParamName();

    private static ValidationException ParamErrors(IReadOnlyList<MlOps.Pipelines.Diagnostics.LintError> errors) =>
        new(errors.GroupBy(e => ParamName().Match(e.Message) is { Success: true } m ? "params." + m.Groups[1].Value : CommitReader.DefinitionFile)
            .ToDictionary(g => g.Key, g => g.Select(e => e.Hint is null ? e.Message : $"{e.Message} ({e.Hint})").ToArray()));
}
