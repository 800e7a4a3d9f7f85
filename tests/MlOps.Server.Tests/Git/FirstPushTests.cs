namespace MlOps.Server.Tests.Git;

/// <summary>Whoever creates a project can push its first commit; protection holds from then on.</summary>
public sealed class FirstPushTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    [Fact]
    public async Task CreateAndPush_DeveloperCreatorInGroup_PushesFirstCommitAndManagesTheProject()
    {
        var repo = await server.ArrangeAsync();
        var group = repo[..repo.IndexOf('/')];
        using var developer = server.As(server.Tokens[GitServer.Developer]);

        var created = await MlOpsServer.Ensure(await developer.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "mine" }));
        var work = await git.InitAsync("work");
        var push = await git.RunAsync(work, "push", server.Url($"{group}/mine", GitServer.Developer), "main");
        var settings = await developer.PatchAsJsonAsync($"/api/v1/projects/{group}/mine", new { description = "by its creator" });

        Assert.Equal("maintainer", created.GetProperty("your_role").GetString());
        Assert.True(push.ExitCode == 0, push.Stderr);
        Assert.Equal(HttpStatusCode.OK, settings.StatusCode);
        Assert.StartsWith(await git.OkAsync(work, "rev-parse", "HEAD"),
            await git.OkAsync(null, "ls-remote", server.Url($"{group}/mine", GitServer.Reporter), "refs/heads/main"));
    }

    [Fact]
    public async Task Create_MaintainerOfGroup_KeepsTheGroupRoleWithoutAProjectMembership()
    {
        var repo = await server.ArrangeAsync();
        var group = repo[..repo.IndexOf('/')];
        using var maintainer = server.As(server.Tokens[GitServer.Maintainer]);

        var created = await MlOpsServer.Ensure(await maintainer.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "m" }));
        var members = await server.GetJsonAsync($"/api/v1/projects/{group}/m/members");

        Assert.Equal("maintainer", created.GetProperty("your_role").GetString());
        Assert.Equal(0, members.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Push_DeveloperToEmptyRepository_InitialCommitAcceptedThenBranchProtected()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");

        var first = await git.RunAsync(work, "push", server.Url(repo, GitServer.Developer), "main");
        await git.CommitAsync(work, "b.txt", "b", "second");
        var second = await git.RunAsync(work, "push", server.Url(repo, GitServer.Developer), "main");

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("You are not allowed to push to the protected branch 'main'", second.Stderr);
    }

    [Fact]
    public async Task Push_DeveloperCreatesAnotherProtectedBranchInEmptyRepository_Refused()
    {
        var repo = await server.ArrangeAsync();
        using (var admin = server.Admin())
        {
            await MlOpsServer.Ensure(await admin.PostAsJsonAsync($"{GitServer.Api(repo)}/protected_branches", new { name = "release" }));
        }
        var work = await git.InitAsync("work");

        var push = await git.RunAsync(work, "push", server.Url(repo, GitServer.Developer), "main:release");

        Assert.NotEqual(0, push.ExitCode);
        Assert.Contains("You are not allowed to push to the protected branch 'release'", push.Stderr);
    }

    [Fact]
    public async Task Clone_GuestOfPrivateProject_SeesTheProjectButNotItsRepository()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        var guest = "guest" + Guid.NewGuid().ToString("N")[..8];
        var token = await server.CreateUserAsync(guest);
        using (var admin = server.Admin())
        {
            await MlOpsServer.Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{repo[..repo.IndexOf('/')]}/members",
                new { username = guest, role = "guest" }));
        }
        using var api = server.As(token);

        var project = await api.GetAsync(GitServer.Api(repo));
        var clone = await git.RunAsync(null, "clone", GitCli.Url(server.BaseAddress, repo, guest, token), "guest");

        Assert.Equal(HttpStatusCode.OK, project.StatusCode);
        Assert.Equal("guest", (await MlOpsServer.Read(project)).GetProperty("your_role").GetString());
        Assert.NotEqual(0, clone.ExitCode);
        Assert.Contains("it needs the reporter role or higher", clone.Stderr);
    }
}
