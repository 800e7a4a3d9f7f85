using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MlOps.Contracts.Runner;
using MlOps.Runner;
using MlOps.Runner.Configuration;
using MlOps.Runner.Network;

namespace MlOps.Server.Tests.Runners;

/// <summary>The runner's own client and state store against the real server.</summary>
public sealed class RunnerRegistrationTests(RunnerRegistrationTests.Server server) : IClassFixture<RunnerRegistrationTests.Server>
{
    public const string RegistrationToken = "registration-token-for-tests-0123";

    public sealed class Server : MlOpsServer
    {
        protected override IDictionary<string, string?> ExtraSettings =>
            new Dictionary<string, string?> { ["Runners:RegistrationToken"] = RegistrationToken };
    }

    private (RunnerRegistration Service, CoordinatorClient Client, RunnerStateStore Store, string Path) NewRunner(string? registrationToken = RegistrationToken)
    {
        var http = server.CreateClient();
        var client = new CoordinatorClient(http);
        var path = Path.Combine(server.DataDir, "runner-" + Guid.NewGuid().ToString("N")[..8], "runner.json");
        var store = new RunnerStateStore(path);
        var settings = Options.Create(new RunnerSettings
        {
            Url = http.BaseAddress, RegistrationToken = registrationToken, Name = "gpu-host-test", Tags = "gpu, h100",
        });
        return (new RunnerRegistration(client, store, settings, NullLogger<RunnerRegistration>.Instance), client, store, path);
    }

    [Fact]
    public async Task Register_ThenVerify_TokenKeptPrivatelyAndListedForAdmin()
    {
        var (service, client, store, path) = NewRunner();

        var state = await service.EnsureRegisteredAsync(CancellationToken.None);
        var verified = await client.VerifyAsync(new VerifyRunnerRequest(state.Token, "1.0",
            [new GpuDevice(0, "GPU-1234", "NVIDIA H100 80GB HBM3", 81559)]), CancellationToken.None);
        using var admin = server.Admin();
        var listed = await MlOpsServer.Ensure(await admin.GetAsync("/api/v1/runners"));

        Assert.NotNull(verified);
        Assert.Equal(state.Id, verified.Id);
        Assert.Equal(state, store.Load());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        var runner = listed.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetInt64() == state.Id);
        Assert.Equal(["gpu", "h100"], runner.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("NVIDIA H100 80GB HBM3", runner.GetProperty("gpus")[0].GetProperty("name").GetString());
        Assert.DoesNotContain(state.Token, listed.ToString());
    }

    [Fact]
    public async Task Register_SecondStart_ReusesStoredToken()
    {
        var (service, _, _, _) = NewRunner();

        var first = await service.EnsureRegisteredAsync(CancellationToken.None);
        var second = await service.EnsureRegisteredAsync(CancellationToken.None);

        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Register_WrongRegistrationToken_Forbidden()
    {
        var (service, _, store, _) = NewRunner("not-the-token");

        var error = await Assert.ThrowsAsync<CoordinatorException>(() => service.EnsureRegisteredAsync(CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("The registration token is wrong.", error.Message);
        Assert.Null(store.Load());
    }

    [Fact]
    public async Task Verify_RunnerRemovedByAdmin_AnswersNull()
    {
        var (service, client, _, _) = NewRunner();
        var state = await service.EnsureRegisteredAsync(CancellationToken.None);
        using var admin = server.Admin();

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/v1/runners/{state.Id}")).StatusCode);

        Assert.Null(await client.VerifyAsync(new VerifyRunnerRequest(state.Token), CancellationToken.None));
    }

    [Fact]
    public async Task Unregister_TokenStopsWorking()
    {
        var (service, client, _, _) = NewRunner();
        var state = await service.EnsureRegisteredAsync(CancellationToken.None);

        await client.UnregisterAsync(state.Token, CancellationToken.None);

        Assert.Null(await client.VerifyAsync(new VerifyRunnerRequest(state.Token), CancellationToken.None));
    }

    [Fact]
    public async Task RunnersList_NonAdmin_Forbidden()
    {
        using var user = server.As(await server.CreateUserAsync("runner-viewer"));

        Assert.Equal(HttpStatusCode.Forbidden, (await user.GetAsync("/api/v1/runners")).StatusCode);
    }
}
