using MlOps.Pipelines.Model;

namespace MlOps.Pipelines.Triggers;

/// <summary>Pure answers to "does this event start that pipeline?", for the server's push and merge-request handlers.</summary>
public static class TriggerMatcher
{
    /// <summary>
    /// A push of <paramref name="gitRef"/> (<c>refs/heads/main</c>, <c>refs/tags/v1</c>, or a bare branch name)
    /// that changed <paramref name="changedPaths"/>. Path filters apply to branch pushes only: a tag names a
    /// commit, it does not change files.
    /// </summary>
    public static bool MatchesPush(TriggerSpec triggers, string gitRef, IReadOnlyCollection<string> changedPaths)
    {
        if (triggers.Push is not { } push) return false;
        if (gitRef.StartsWith("refs/tags/", StringComparison.Ordinal))
        {
            var tag = gitRef["refs/tags/".Length..];
            return push.Tags.Count > 0 && AnyMatch(push.Tags, tag);
        }
        var branch = gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef["refs/heads/".Length..] : gitRef;
        // Only tags listed means "tag pushes only", as in GitHub Actions.
        if (push.Branches.Count == 0 && push.Tags.Count > 0) return false;
        if (push.Branches.Count > 0 && !AnyMatch(push.Branches, branch)) return false;
        return PathsMatch(push.Paths, changedPaths);
    }

    public static bool MatchesMergeRequest(TriggerSpec triggers, string targetBranch, IReadOnlyCollection<string> changedPaths)
    {
        if (triggers.MergeRequest is not { } mr) return false;
        if (mr.Branches.Count > 0 && !AnyMatch(mr.Branches, targetBranch)) return false;
        return PathsMatch(mr.Paths, changedPaths);
    }

    /// <summary>The schedules of the pipeline that fire in the minute containing <paramref name="utc"/>.</summary>
    public static IEnumerable<ScheduleTrigger> DueSchedules(TriggerSpec triggers, DateTime utc) =>
        triggers.Schedules.Where(s => CronExpression.TryParse(s.Cron, out _)?.Matches(utc) == true);

    private static bool PathsMatch(IReadOnlyList<string> patterns, IReadOnlyCollection<string> changed) =>
        patterns.Count == 0 || changed.Any(path => AnyMatch(patterns, path));

    private static bool AnyMatch(IReadOnlyList<string> patterns, string text)
    {
        foreach (var p in patterns)
            if (Glob.IsMatch(p, text)) return true;
        return false;
    }
}
