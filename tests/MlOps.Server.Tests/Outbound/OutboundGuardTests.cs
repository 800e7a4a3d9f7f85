using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Outbound;

namespace MlOps.Server.Tests.Outbound;

/// <summary>The guarded HTTP handler against a real socket on 127.0.0.1, and the address and URL rules.</summary>
public sealed class OutboundGuardTests
{
    private static HttpClient Client(OutboundOptions options) =>
        new(OutboundHttp.CreateHandler(new OutboundPolicy(new Monitor(options)), options));

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("localhost")]
    public async Task Send_LoopbackNotAllowed_RefusedBeforeConnecting(string host)
    {
        using var target = LoopbackHttp.Json(200, "{}");
        using var client = Client(new OutboundOptions());

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://{host}:{target.Port}/"));

        Assert.True(OutboundHttp.IsRefusal(error, out var refusal));
        Assert.Equal(host, refusal!.Host);
        Assert.DoesNotContain(target.Port.ToString(), refusal.Message);
        Assert.Equal(0, target.Connections);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1", false)]
    [InlineData("localhost", "localhost", false)]
    [InlineData("127.0.0.1", "127.0.0.0/8", false)]
    [InlineData("127.0.0.1", "", true)]
    public async Task Send_AllowedByListOrLocalNetworkSetting_Reaches(string host, string allowed, bool allowLocalNetwork)
    {
        using var target = LoopbackHttp.Json(200, """{"ok":true}""");
        using var client = Client(new OutboundOptions { AllowedHosts = "gitlab.corp.example, " + allowed, AllowLocalNetwork = allowLocalNetwork });

        var body = await client.GetStringAsync($"http://{host}:{target.Port}/");

        Assert.Equal("""{"ok":true}""", body);
        Assert.Equal(1, target.Connections);
    }

    [Fact]
    public async Task Send_AllowListNamesAnotherHost_LoopbackStillRefused()
    {
        using var target = LoopbackHttp.Json(200, "{}");
        using var client = Client(new OutboundOptions { AllowedHosts = "gitlab.corp.example,10.0.0.0/8" });

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://127.0.0.1:{target.Port}/"));

        Assert.True(OutboundHttp.IsRefusal(error, out _));
        Assert.Equal(0, target.Connections);
    }

    [Fact]
    public async Task Send_Redirect_NotFollowed()
    {
        using var target = new LoopbackHttp("HTTP/1.1 302 Found\nLocation: http://169.254.169.254/latest/meta-data/\nContent-Length: 0\n"
            + "Connection: close\n\n");
        using var client = Client(new OutboundOptions { AllowedHosts = "127.0.0.1" });

        using var response = await client.GetAsync($"http://127.0.0.1:{target.Port}/");

        Assert.Equal(HttpStatusCode.Found, response.StatusCode);
        Assert.Equal(1, target.Connections);
    }

    [Theory]
    [InlineData("8.8.8.8", AddressKind.Public)]
    [InlineData("172.32.0.1", AddressKind.Public)]
    [InlineData("2001:4860:4860::8888", AddressKind.Public)]
    [InlineData("127.0.0.1", AddressKind.Local)]
    [InlineData("127.5.6.7", AddressKind.Local)]
    [InlineData("10.1.2.3", AddressKind.Local)]
    [InlineData("172.16.0.1", AddressKind.Local)]
    [InlineData("172.31.255.255", AddressKind.Local)]
    [InlineData("192.168.1.1", AddressKind.Local)]
    [InlineData("100.64.0.1", AddressKind.Local)]
    [InlineData("169.254.169.254", AddressKind.Local)]
    [InlineData("::1", AddressKind.Local)]
    [InlineData("fe80::1", AddressKind.Local)]
    [InlineData("fd12:3456::1", AddressKind.Local)]
    [InlineData("::ffff:127.0.0.1", AddressKind.Local)]
    [InlineData("::ffff:10.0.0.1", AddressKind.Local)]
    [InlineData("0.0.0.0", AddressKind.Never)]
    [InlineData("::", AddressKind.Never)]
    [InlineData("224.0.0.1", AddressKind.Never)]
    [InlineData("255.255.255.255", AddressKind.Never)]
    [InlineData("ff02::1", AddressKind.Never)]
    public void Classify_Address_Kind(string address, AddressKind expected) =>
        Assert.Equal(expected, AddressKinds.Classify(IPAddress.Parse(address)));

    [Fact]
    public async Task Resolve_UnspecifiedAddressWithLocalNetworkAllowed_StillRefused()
    {
        var policy = new OutboundPolicy(new Monitor(new OutboundOptions { AllowLocalNetwork = true }));

        await Assert.ThrowsAsync<OutboundRefusedException>(() => policy.ResolveAsync("0.0.0.0", CancellationToken.None));
        Assert.Single(await policy.ResolveAsync("10.0.0.1", CancellationToken.None));
    }

    [Fact]
    public void AllowList_Invalid_NamesTheBadEntries() =>
        Assert.Equal(["http://gitlab", "10.0.0.0/99"], AllowList.Invalid("gitlab.corp, http://gitlab, 10.0.0.0/8, 10.0.0.0/99, [::1]"));

    [Theory]
    [InlineData("https://gitlab.example.com/group/p.git", null)]
    [InlineData("HTTPS://GitLab.Example.com:443/group/p.git", null)]
    [InlineData("/srv/mlops/repositories/01/1.git", "it is a local path, not an http(s) URL")]
    [InlineData("file:///srv/mlops/repositories/01/1.git", "it is a local path, not an http(s) URL")]
    [InlineData("repositories/01/1.git", "it is a local path, not an http(s) URL")]
    [InlineData("\\\\server\\share\\1.git", "it is a local path, not an http(s) URL")]
    [InlineData("ssh://gitlab.example.com/group/p.git", "its scheme 'ssh' is not http or https")]
    [InlineData("git://gitlab.example.com/group/p.git", "its scheme 'git' is not http or https")]
    [InlineData("https://gitlab.example.com:8443/group/p.git", "it is on gitlab.example.com:8443, not on gitlab.example.com:443")]
    [InlineData("https://evil.example.com/group/p.git", "it is on evil.example.com:443, not on gitlab.example.com:443")]
    [InlineData("https://gitlab.example.com.evil.example/p.git", "it is on gitlab.example.com.evil.example:443, not on gitlab.example.com:443")]
    [InlineData("https://gitlab.example.com@127.0.0.1/p.git", "it carries credentials")]
    [InlineData("https://gitlab.example.com\\@127.0.0.1/p.git", "it is a local path, not an http(s) URL")]
    [InlineData("https://gitlab.example.com/p.git\0", "it contains control characters")]
    [InlineData("", "it is empty")]
    public void CloneUrl_AgainstTheLinksGitLab_RefusedUnlessSameHostAndPort(string cloneUrl, string? expected) =>
        Assert.Equal(expected, ForgeCloneUrl.Refusal(new Uri("https://gitlab.example.com/"), cloneUrl));

    private sealed class Monitor(OutboundOptions value) : IOptionsMonitor<OutboundOptions>
    {
        public OutboundOptions CurrentValue => value;
        public OutboundOptions Get(string? name) => value;
        public IDisposable? OnChange(Action<OutboundOptions, string?> listener) => null;
    }
}
