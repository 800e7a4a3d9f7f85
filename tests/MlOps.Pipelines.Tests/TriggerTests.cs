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
    [InlineData("data/**", "data", true)]
    [InlineData("data*/**", "data2/x/y.csv", true)]
    [InlineData("data/**", "database/x.csv", false)]
    [InlineData("data/**/x.csv", "data/x.csv", true)]
    [InlineData("data/**/x.csv", "data/a/b/x.csv", true)]
    [InlineData("v?.csv", "v1.csv", true)]
    [InlineData("v?.csv", "v10.csv", false)]
    [InlineData("a?b", "a/b", false)]
    [InlineData("Data/*", "data/x", false)]
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
    [InlineData("0 12 13 * 5", 2025, 6, 13, true)]   // Friday the 13th
    [InlineData("0 12 13 * 5", 2025, 6, 20, true)]   // a Friday: either day field is enough
    [InlineData("0 12 13 * 5", 2025, 5, 13, true)]   // a Tuesday the 13th
    [InlineData("0 12 13 * 5", 2025, 6, 19, false)]
    [InlineData("0 12 * * 7", 2025, 6, 15, true)]    // Sunday written as 7
    [InlineData("*/15 12 1-7/2 * *", 2025, 6, 5, true)]
    [InlineData("*/15 12 1-7/2 * *", 2025, 6, 4, false)]
    public void CronMatches_DayFields_FollowClassicCron(string cron, int year, int month, int day, bool expected) =>
        Assert.Equal(expected, CronExpression.TryParse(cron, out _)!.Matches(new DateTime(year, month, day, 12, 0, 59, DateTimeKind.Utc)));

    [Fact]
    public void CronNextAfter_BothDayFields_TakesTheEarlierOfThem()
    {
        var cron = CronExpression.TryParse("30 4 1 * 1", out _)!;

        Assert.Equal(new DateTime(2025, 6, 1, 4, 30, 0, DateTimeKind.Utc), cron.NextAfter(new DateTime(2025, 5, 31, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(new DateTime(2025, 6, 2, 4, 30, 0, DateTimeKind.Utc), cron.NextAfter(new DateTime(2025, 6, 1, 4, 30, 0, DateTimeKind.Utc)));
        Assert.Equal(new DateTime(2025, 9, 1, 4, 30, 0, DateTimeKind.Utc), cron.NextAfter(new DateTime(2025, 8, 25, 5, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("0 3 * *", "cron '0 3 * *' must have 5 fields (minute hour day-of-month month day-of-week), got 4")]
    [InlineData("*/0 * * * *", "cron '*/0 * * * *': minute has an invalid step '0'")]
    [InlineData("0 0 32 * *", "cron '0 0 32 * *': day of month must be 1-31, got 32")]
    [InlineData("0 0 * * MON", "cron '0 0 * * MON': day of week has a malformed part 'MON'")]
    [InlineData("0 22-2 * * *", "cron '0 22-2 * * *': hour must be 0-23, got 22-2")]
    [InlineData("*/60 * * * *", "cron '*/60 * * * *': minute has an invalid step '60'")]
    public void CronTryParse_Invalid_ExplainsField(string cron, string expected)
    {
        Assert.Null(CronExpression.TryParse(cron, out var error));
        Assert.Equal(expected, error);
    }
}
