using System.Globalization;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Triggers;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Runs;

/// <summary>
/// Fires `on: schedule` pipelines. Each minute every replica looks at the stored schedules; a due
/// one runs from the head of its branch with the dedup key of its slot, so one run per slot
/// however many replicas tick. Minutes while no replica was running are not caught up.
/// </summary>
public sealed class Scheduler(ScheduleRepository schedules, RunRepository runs, RunPlanner planner, GitBackends backends,
    Microsoft.Extensions.Options.IOptions<PushProcessingOptions> options, TimeProvider clock,
    Infrastructure.Database.DatabaseOutage outage, ILogger<Scheduler> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.ProcessPushes)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = clock.GetUtcNow();
            var next = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(1);
            try
            {
                await Task.Delay(next - now, clock, stoppingToken);
                await FireAsync(next.UtcDateTime, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Infrastructure.Database.BackgroundFailures.Log(logger, outage, e, $"Scheduled runs for {next:u} failed");
            }
        }
    }

    /// <summary>Creates the runs due in the minute <paramref name="slot"/>; safe to call again for the same minute.</summary>
    public async Task<int> FireAsync(DateTime slot, CancellationToken cancellationToken)
    {
        var created = 0;
        foreach (var due in (await schedules.AllAsync(cancellationToken))
                     .Where(s => TriggerMatcher.DueSchedules(new TriggerSpec(null, null, false, [new ScheduleTrigger(s.Cron, s.Branch)]), slot).Any()))
        {
            try
            {
                created += await FireOneAsync(due, slot, cancellationToken) ? 1 : 0;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && !Infrastructure.Database.DatabaseOutage.Matches(e))
            {
                logger.LogWarning(e, "Schedule {Pipeline} of project {ProjectId} could not start", due.Pipeline, due.ProjectId);
            }
        }
        return created;
    }

    private async Task<bool> FireOneAsync(ScheduleRow due, DateTime slot, CancellationToken cancellationToken)
    {
        if (await runs.ProjectAsync(due.ProjectId, cancellationToken) is not { } project)
        {
            return false;
        }
        var path = backends.For(project.GitBackend).LocalPath(project.Id);
        if (await CommitReader.ResolveAsync(path, "refs/heads/" + due.Branch) is not { Definition: { } definition } head)
        {
            return false;
        }
        var (file, _) = await planner.ParseAsync(definition, cancellationToken);
        // The head may have dropped the schedule since it was stored; its push will refresh the table.
        if (file?.Pipelines.FirstOrDefault(p => p.Name == due.Pipeline) is not { } pipeline
            || pipeline.Triggers.Schedules.All(s => s.Cron != due.Cron))
        {
            return false;
        }
        var plan = await planner.PlanAsync(file, pipeline, project, path, head.FullRef, head.Sha, new Dictionary<string, string>(), null,
            cancellationToken);
        var minute = slot.ToString("yyyyMMddHHmm", CultureInfo.InvariantCulture);
        var trigger = new RunTrigger("schedule", head.FullRef, head.Sha, null, "schedule");
        return await runs.CreateAsync(RunPlanner.ToNewRun(plan, project, trigger, new { kind = "schedule", cron = due.Cron, slot },
            $"schedule:{project.Id}:{pipeline.Name}:{due.Cron}:{minute}"), cancellationToken) is not null;
    }
}
