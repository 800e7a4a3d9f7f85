using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.Runs;

namespace MlOps.Server.Tests.Runs;

public class ScheduleTests(RunServer server) : IClassFixture<RunServer>
{
    private const string Nightly = """
        pipelines:
          nightly:
            on:
              schedule:
                - { cron: "30 3 * * *" }
            steps:
              report:
                image: python:3.12-slim
                run: python3 report.py
        """;

    [Fact]
    public async Task Fire_DueSlotTwiceAtOnce_CreatesOneRunFromTheDefaultBranchHead()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(Nightly);
        using var _ = git;
        var sha = await git.OkAsync("w", "rev-parse", "HEAD");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        Assert.Equal(["no_match"], await server.OutcomesAsync(await server.ProjectIdAsync(repository), 1));
        var scheduler = server.Services.GetRequiredService<Scheduler>();
        var slot = new DateTime(2026, 12, 1, 3, 30, 0, DateTimeKind.Utc);

        // Two replicas ticking in the same minute.
        await Task.WhenAll(scheduler.FireAsync(slot, CancellationToken.None), scheduler.FireAsync(slot, CancellationToken.None));
        await scheduler.FireAsync(slot.AddMinutes(1), CancellationToken.None);

        var run = Assert.Single(await server.RunsAsync(repository));
        Assert.Equal(("schedule", "nightly", "refs/heads/main", sha),
            (run.GetProperty("trigger").GetString(), run.GetProperty("pipeline").GetString(), run.GetProperty("ref").GetString(),
                run.GetProperty("commit_sha").GetString()));
    }

    [Fact]
    public async Task Fire_ScheduleRemovedByLaterPush_CreatesNothing()
    {
        var (repository, git) = await server.CloneWithDefinitionAsync(Nightly);
        using var _ = git;
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await git.CommitAsync("w", "mlops.yml", Nightly.Replace("30 3 * * *", "0 4 * * *"), "move it");
        await git.OkAsync("w", "push", "-q", "origin", "main");
        await server.OutcomesAsync(await server.ProjectIdAsync(repository), 2);

        await server.Services.GetRequiredService<Scheduler>().FireAsync(new DateTime(2026, 12, 1, 3, 30, 0, DateTimeKind.Utc), CancellationToken.None);

        Assert.Empty(await server.RunsAsync(repository));
    }
}
