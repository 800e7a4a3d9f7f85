using MlOps.Pipelines.Model;
using MlOps.Pipelines.Triggers;

namespace MlOps.Pipelines.Tests;

public class TriggerTests
{
    [Theory]
    [InlineData("data/**", "data/iris.csv", true)]
    [InlineData("data/**", "data/a/b/c.csv", true)]
    [InlineData("data/*", "data/a/b.csv", false)]
    [InlineData("**/*.py", "src/x/train.py", true)]
    [InlineData("**/*.py", "train.py", true)]
    [InlineData("release/*", "release/1.0", true)]
    [InlineData("release/*", "release/1.0/hotfix", false)]
    [InlineData("mlops.yml", "mlops.yml", true)]
    [InlineData("mlops.yml", "mlopsXyml", false)]
    public void GlobIsMatch_Pattern_MatchesBySegments(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, path));

    private static readonly TriggerSpec Spec = new(
        new PushTrigger(["main", "release/*"], ["v*"], ["data/**"]), new MergeRequestTrigger(["main"], []), true, [new ScheduleTrigger("0 3 * * 1-5", null)]);

    [Theory]
    [InlineData("refs/heads/main", "data/x.csv", true)]
    [InlineData("refs/heads/main", "src/x.py", false)]
    [InlineData("refs/heads/release/2", "data/x.csv", true)]
    [InlineData("refs/heads/dev", "data/x.csv", false)]
    [InlineData("refs/tags/v1.0", "src/x.py", true)]
    [InlineData("refs/tags/x1.0", "data/x.csv", false)]
    public void MatchesPush_RefAndPaths_FollowFilters(string gitRef, string changed, bool expected) =>
        Assert.Equal(expected, TriggerMatcher.MatchesPush(Spec, gitRef, [changed]));

    [Fact]
    public void MatchesMergeRequest_TargetBranch_Filters()
    {
        Assert.True(TriggerMatcher.MatchesMergeRequest(Spec, "main", ["a"]));
        Assert.False(TriggerMatcher.MatchesMergeRequest(Spec, "dev", ["a"]));
    }

    [Fact]
    public void DueSchedules_WeekdayAtThree_Fires()
    {
        Assert.Single(TriggerMatcher.DueSchedules(Spec, new DateTime(2025, 1, 6, 3, 0, 30, DateTimeKind.Utc)));
        Assert.Empty(TriggerMatcher.DueSchedules(Spec, new DateTime(2025, 1, 5, 3, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("0 3 * *", "cron '0 3 * *' must have 5 fields (minute hour day-of-month month day-of-week), got 4")]
    [InlineData("*/0 * * * *", "cron '*/0 * * * *': minute has an invalid step '0'")]
    [InlineData("0 0 32 * *", "cron '0 0 32 * *': day of month must be 1-31, got 32")]
    public void CronTryParse_Invalid_ExplainsField(string cron, string expected)
    {
        Assert.Null(CronExpression.TryParse(cron, out var error));
        Assert.Equal(expected, error);
    }
}
