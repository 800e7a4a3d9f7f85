using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>
/// `retry:` as GitLab writes it: a number (that many more attempts, whatever the failure) or
/// `{ max: N, when: [reasons] }` (no `when:` means always). Without it no failure is retried. A
/// lost runner (its lease lapsed) is retried whatever `when:` says, while attempts are left: that
/// is never the job's doing.
/// </summary>
internal static class RetryParser
{
    public const string Always = "always";
    public const string ScriptFailure = "script_failure";
    public const string StuckOrTimeoutFailure = "stuck_or_timeout_failure";
    public const string RunnerSystemFailure = "runner_system_failure";

    public static readonly string[] Reasons = [Always, ScriptFailure, StuckOrTimeoutFailure, RunnerSystemFailure];

    public static (int Max, IReadOnlyList<string> When) Read(YNode node, NodeReader r, string where)
    {
        var fallback = (StepDefinition.DefaultRetry, StepDefinition.DefaultRetryWhen);
        if (node is YScalar)
        {
            return Max(node, r, where) is { } n ? (n, [Always]) : fallback;
        }
        if (node is not YMapping map)
        {
            r.Errors.Add(node, $"retry of {where} must be a whole number from 0 to 5 or a mapping with max and when, got {NodeReader.Describe(node)}");
            return fallback;
        }
        r.AllowKeys(map, $"retry of {where}", ["max", "when"]);
        var max = map.Get("max") is { } maxNode ? Max(maxNode, r, where) ?? StepDefinition.DefaultRetry : StepDefinition.DefaultRetry;
        if (map.Get("when") is not { } whenNode)
        {
            return (max, [Always]);
        }
        var when = r.StringList(whenNode, $"retry when of {where}");
        var items = whenNode is YSequence seq ? seq.Items : [whenNode];
        foreach (var (reason, item) in when.Zip(items))
        {
            if (!Reasons.Contains(reason))
            {
                r.Errors.Add(item, $"unknown retry reason '{reason}' in {where}", Suggest.DidYouMeanOrList(reason, Reasons, "expected one of"));
            }
        }
        return (max, when.Where(Reasons.Contains).Distinct().ToList());
    }

    private static int? Max(YNode node, NodeReader r, string where)
    {
        if (node is YScalar { IsPlain: true } s && int.TryParse(s.Value, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 5)
        {
            return n;
        }
        r.Errors.Add(node, $"retry of {where} must be a whole number from 0 to 5",
            "how many more times the job is run after a failure");
        return null;
    }
}
