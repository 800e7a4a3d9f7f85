using MlOps.Pipelines.Model;
using MlOps.Pipelines.Triggers;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

internal static class TriggerParser
{
    private static readonly string[] Keys = ["push", "merge_request", "manual", "schedule"];

    public static TriggerSpec Read(YNode node, NodeReader r, string pipeline)
    {
        var where = $"on of pipeline '{pipeline}'";
        if (r.Mapping(node, where) is not { } map) return TriggerSpec.ManualOnly;
        r.AllowKeys(map, where, Keys);

        PushTrigger? push = null;
        if (map.Get("push") is { } p)
            push = p is YScalar { IsNull: true } ? new PushTrigger([], [], [])
                : r.Mapping(p, "push trigger") is { } pm ? ReadPush(pm, r) : null;

        MergeRequestTrigger? mr = null;
        if (map.Get("merge_request") is { } m)
        {
            if (m is YScalar { IsNull: true }) mr = new([], []);
            else if (r.Mapping(m, "merge_request trigger") is { } mm)
            {
                r.AllowKeys(mm, "merge_request trigger", ["branches", "paths"]);
                mr = new(Globs(mm.Get("branches"), "branches", r), Globs(mm.Get("paths"), "paths", r));
            }
        }

        var manual = map.Get("manual") is { } man && r.Bool(man, "manual") == true;
        var schedules = map.Get("schedule") is { } s ? ReadSchedules(s, r) : [];
        return new TriggerSpec(push, mr, manual, schedules);
    }

    private static PushTrigger ReadPush(YMapping map, NodeReader r)
    {
        r.AllowKeys(map, "push trigger", ["branches", "tags", "paths"]);
        return new PushTrigger(Globs(map.Get("branches"), "branches", r), Globs(map.Get("tags"), "tags", r), Globs(map.Get("paths"), "paths", r));
    }

    private static List<string> Globs(YNode? node, string what, NodeReader r)
    {
        if (node is null) return [];
        var list = r.StringList(node, what);
        var items = node is YSequence seq ? seq.Items : [node];
        for (var i = 0; i < list.Count && i < items.Count; i++)
            if (Glob.Validate(list[i]) is { } why) r.Errors.Add(items[i], $"invalid glob '{list[i]}' in {what}: {why}");
        return list;
    }

    private static List<ScheduleTrigger> ReadSchedules(YNode node, NodeReader r)
    {
        var result = new List<ScheduleTrigger>();
        if (node is not YSequence seq)
        {
            r.Errors.Add(node, $"schedule must be a list, got {NodeReader.Describe(node)}", "schedule: [{ cron: '0 3 * * *' }]");
            return result;
        }
        foreach (var item in seq.Items)
        {
            if (r.Mapping(item, "each schedule") is not { } map) continue;
            r.AllowKeys(map, "schedule", ["cron", "branch"]);
            if (map.Get("cron") is not { } cronNode)
            {
                r.Errors.Add(item, "schedule has no cron", "add cron: '0 3 * * *' (minute hour day month weekday, UTC)");
                continue;
            }
            if (r.String(cronNode, "cron") is not { } cron) continue;
            if (CronExpression.TryParse(cron, out var why) is null)
            {
                r.Errors.Add(cronNode, why!, "five fields: minute hour day-of-month month day-of-week, e.g. '0 3 * * *'");
                continue;
            }
            var branch = map.Get("branch") is { } b ? r.String(b, "branch of schedule") : null;
            result.Add(new ScheduleTrigger(cron, branch));
        }
        return result;
    }
}
