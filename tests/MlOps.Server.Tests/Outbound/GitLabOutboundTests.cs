using MlOps.Server.Tests.GitLab;

namespace MlOps.Server.Tests.Outbound;

/// <summary>The GitLab link with the real, guarded HTTP client (no recorded stand-in in between).</summary>
public sealed class GitLabOutboundTests(MlOpsServer guarded, GitLabOutboundTests.AllowListedServer allowListed)
    : IClassFixture<MlOpsServer>, IClassFixture<GitLabOutboundTests.AllowListedServer>
{
    /// <summary>An administrator allowed 127.0.0.1 (as for an on-premises GitLab); quick retries.</summary>
    public sealed class AllowListedServer : MlOpsServer
    {
        protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
        {
            ["Outbound:AllowedHosts"] = "127.0.0.1",
            ["GitLab:RetryDelay"] = "00:00:00.010",
        };
    }

    private static async Task<HttpResponseMessage> LinkAsync(MlOpsServer server, string url)
    {
        var path = "p" + Guid.NewGuid().ToString("N")[..10];
        using var admin = server.Admin();
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "admin", path, visibility = "private" }));
        return await admin.PutAsJsonAsync($"/api/v1/projects/admin/{path}/gitlab", new { url, project = "g/p", token = "glpat-secret" });
    }

    private static async Task<string> UrlErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty("url")[0].GetString()!;
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    [InlineData("[::1]")]
    [InlineData("169.254.169.254")]
    [InlineData("10.0.0.1")]
    public async Task Link_GitLabOnTheLocalNetworkNotAllowed_RefusedWithoutConnecting(string host)
    {
        using var service = LoopbackHttp.Json(200, """{"id": 1}""");

        var message = await UrlErrorAsync(await LinkAsync(guarded, $"http://{host}:{service.Port}/"));

        Assert.Equal($"Could not reach the GitLab API: {host} resolves to a loopback, private or otherwise local address, which this "
            + "server does not contact unless an administrator allows it (Outbound:AllowedHosts or Outbound:AllowLocalNetwork).", message);
        Assert.Equal(0, service.Connections);
    }

    [Fact]
    public async Task Link_AllowListedHostOpenOrClosedPort_SameMessageWithoutPortOrBody()
    {
        // An open port that is not GitLab (it answers 500 with an internal page) and a closed one.
        using var open = new LoopbackHttp("HTTP/1.1 500 Oops\nContent-Length: 24\nConnection: close\n\ninternal-secret-page-xyz");
        var closed = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var closedPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var openMessage = await UrlErrorAsync(await LinkAsync(allowListed, $"http://127.0.0.1:{open.Port}/"));
        var closedMessage = await UrlErrorAsync(await LinkAsync(allowListed, $"http://127.0.0.1:{closedPort}/"));

        Assert.Equal("GitLab answered 500 Internal Server Error.", openMessage);
        Assert.Equal("Could not reach the GitLab API at 127.0.0.1.", closedMessage);
        Assert.DoesNotContain("internal-secret", openMessage);
        Assert.DoesNotContain("Oops", openMessage);
        Assert.DoesNotContain(closedPort.ToString(), closedMessage);
    }

    [Fact]
    public async Task Link_AllowListedServiceAnswersHtml_502NamingGitLab()
    {
        using var service = new LoopbackHttp("HTTP/1.1 200 OK\nContent-Type: text/html\nContent-Length: 27\nConnection: close\n\n"
            + "<html>internal admin</html>");

        var response = await LinkAsync(allowListed, $"http://127.0.0.1:{service.Port}/");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var problem = await MlOpsServer.Read(response);
        Assert.Equal("GitLab answered 200 with a body that is not the JSON its API documents.", problem.GetProperty("detail").GetString());
        Assert.Equal(1, service.Connections);
    }

    [Fact]
    public async Task Link_RedirectToAnotherHost_NotFollowedTokenStaysHome()
    {
        using var elsewhere = LoopbackHttp.Json(200, "{}");
        using var service = new LoopbackHttp($"HTTP/1.1 302 Found\nLocation: http://localhost:{elsewhere.Port}/api/v4/projects/g%2Fp\n"
            + "Content-Length: 0\nConnection: close\n\n");

        var message = await UrlErrorAsync(await LinkAsync(allowListed, $"http://127.0.0.1:{service.Port}/"));

        Assert.Equal("GitLab answered 302 Found.", message);
        Assert.Equal(0, elsewhere.Connections);
    }
}
