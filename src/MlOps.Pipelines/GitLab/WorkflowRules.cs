using System.Text;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Triggers;

namespace MlOps.Pipelines.GitLab;

/// <summary>
/// Writes a pipeline's <c>on:</c> block as GitLab <c>workflow: rules:</c>, so GitLab starts the
/// pipeline for the same events our server would. Cron times cannot be written in
/// <c>.gitlab-ci.yml</c>; they become comments for whoever creates the pipeline schedule.
/// </summary>
internal static class WorkflowRules
{
    public static void Write(StringBuilder sb, TriggerSpec triggers)
    {
        var rules = new List<(string If, IReadOnlyList<string> Changes)>();
        if (triggers.Push is { } push)
        {
            // As in TriggerMatcher: only tags listed means tag pushes only, and paths filter branch pushes only.
            if (push.Branches.Count > 0 || push.Tags.Count == 0)
                rules.Add(($"$CI_PIPELINE_SOURCE == \"push\" && {RefTest("$CI_COMMIT_BRANCH", push.Branches)}", push.Paths));
            if (push.Tags.Count > 0)
                rules.Add(($"$CI_PIPELINE_SOURCE == \"push\" && {RefTest("$CI_COMMIT_TAG", push.Tags)}", []));
        }
        if (triggers.MergeRequest is { } mr)
            rules.Add(("$CI_PIPELINE_SOURCE == \"merge_request_event\""
                + (mr.Branches.Count > 0 ? " && " + RefTest("$CI_MERGE_REQUEST_TARGET_BRANCH_NAME", mr.Branches) : ""), mr.Paths));
        if (triggers.Schedules.Count > 0) rules.Add(("$CI_PIPELINE_SOURCE == \"schedule\"", []));
        if (triggers.Manual) rules.Add(("$CI_PIPELINE_SOURCE == \"web\" || $CI_PIPELINE_SOURCE == \"api\"", []));

        foreach (var s in triggers.Schedules)
            sb.Append("# schedule (create it under Build > Pipeline schedules, UTC): '").Append(s.Cron).Append('\'')
              .Append(s.Branch is null ? "" : " on " + s.Branch).Append('\n');
        sb.Append("workflow:\n  rules:\n");
        // With no rule that matches, GitLab creates no pipeline; say so rather than leave an empty list.
        if (rules.Count == 0) sb.Append("    - when: never\n");
        foreach (var (test, changes) in rules)
        {
            sb.Append("    - if: ").Append(YamlText.SingleQuoted(test)).Append('\n');
            if (changes.Count == 0) continue;
            sb.Append("      changes:\n");
            foreach (var path in changes) sb.Append("        - ").Append(YamlText.Scalar(ChangesGlob(path))).Append('\n');
        }
        sb.Append('\n');
    }

    /// <summary>A set variable when no pattern is given, otherwise a match against all patterns at once.</summary>
    private static string RefTest(string variable, IReadOnlyList<string> globs)
    {
        if (globs.Count == 0) return variable;
        var alternatives = globs.Select(g => Glob.ToRegex(g, "\\/", Escape)[1..^1]).ToList();
        var body = alternatives.Count == 1 ? alternatives[0] : "(?:" + string.Join("|", alternatives) + ")";
        return $"{variable} =~ /^{body}$/";
    }

    // Punctuation only: RE2 accepts a backslash before any punctuation, and our globs have no other specials.
    private static string Escape(char c) => c is '.' or '+' or '(' or ')' or '|' or '^' or '$' or '#' or '*' or '?' ? "\\" + c : c.ToString();

    /// <summary>GitLab's changes: globs are fnmatch, where a trailing "**" is only "*"; "a/**" means everything under a.</summary>
    private static string ChangesGlob(string glob) => glob == "**" || glob.EndsWith("/**", StringComparison.Ordinal) ? glob + "/*" : glob;
}
