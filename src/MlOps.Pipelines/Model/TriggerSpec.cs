namespace MlOps.Pipelines.Model;

/// <summary>Branch, tag and path filters; an empty list means "not filtered on this".</summary>
public sealed record PushTrigger(IReadOnlyList<string> Branches, IReadOnlyList<string> Tags, IReadOnlyList<string> Paths);

public sealed record MergeRequestTrigger(IReadOnlyList<string> Branches, IReadOnlyList<string> Paths);

public sealed record ScheduleTrigger(string Cron, string? Branch);

/// <summary>The <c>on:</c> block of a pipeline. A pipeline without <c>on:</c> runs only manually.</summary>
public sealed record TriggerSpec(PushTrigger? Push, MergeRequestTrigger? MergeRequest, bool Manual, IReadOnlyList<ScheduleTrigger> Schedules)
{
    public static TriggerSpec ManualOnly { get; } = new(null, null, true, []);
}
