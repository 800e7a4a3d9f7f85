using Microsoft.Extensions.DependencyInjection;
using MlOps.Server.Features.Usage;

namespace MlOps.Server.Tests.Billing;

/// <summary>Who sees a client's usage: its owners and admins; nobody else learns it exists (private) or may read it.</summary>
public sealed class BillingAccessTests(BillingServer server) : IClassFixture<BillingServer>
{
    [Fact]
    public async Task Statement_OwnerOfAnotherGroup_404AndOwnGroup200()
    {
        var ownerA = BillingServer.NewName("oa");
        var ownerB = BillingServer.NewName("ob");
        var tokenA = await server.CreateUserAsync(ownerA);
        await server.CreateUserAsync(ownerB);
        var a = await server.ArrangeClientAsync(owner: ownerA);
        var b = await server.ArrangeClientAsync(owner: ownerB);
        using var http = server.As(tokenA);

        foreach (var path in new[] { "statement?month=2026-11", "usage_entries", "quota", "quota_events" })
        {
            var other = await http.GetAsync($"/api/v1/clients/{b.Path}/{path}");
            var own = await http.GetAsync($"/api/v1/clients/{a.Path}/{path}");

            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Equal($"Namespace '{b.Path}' not found.", (await BillingServer.Read(other)).GetProperty("detail").GetString());
            Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        }
    }

    [Fact]
    public async Task Statement_DeveloperOfTheGroup_403()
    {
        var developer = BillingServer.NewName("d");
        var token = await server.CreateUserAsync(developer);
        var client = await server.ArrangeClientAsync(developer: developer);
        using var http = server.As(token);

        var response = await http.GetAsync($"/api/v1/clients/{client.Path}/statement");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("You need the owner role or higher to do this as an owner of this namespace.",
            (await BillingServer.Read(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Statement_PersonalNamespace_OnlyItsUserAndAdmins()
    {
        var user = BillingServer.NewName("u");
        var other = BillingServer.NewName("x");
        var userToken = await server.CreateUserAsync(user);
        var otherToken = await server.CreateUserAsync(other);
        using var self = server.As(userToken);
        using var stranger = server.As(otherToken);
        using var admin = server.Admin();
        using var anonymous = server.Anonymous();

        Assert.Equal(HttpStatusCode.OK, (await self.GetAsync($"/api/v1/clients/{user}/statement")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/v1/clients/{user}/statement")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/api/v1/clients/{user}/statement")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/clients/{user}/statement")).StatusCode);
    }

    [Fact]
    public async Task Prices_NonAdmin_403()
    {
        var owner = BillingServer.NewName("o");
        var token = await server.CreateUserAsync(owner);
        using var http = server.As(token);

        var list = await http.GetAsync("/api/v1/admin/prices");
        var add = await http.PostAsJsonAsync("/api/v1/admin/prices", new { resource = "cpu", unit_price = 0, effective_from = "2026-01-01" });
        var correct = await http.PostAsJsonAsync("/api/v1/admin/usage_corrections", new { client = owner, key = "k" });

        Assert.All([list, add, correct], r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
    }

    [Fact]
    public async Task AddPrice_SameKeyTwiceOrBadInput_409And400()
    {
        var client = await server.ArrangeClientAsync();
        using var admin = server.Admin();
        await server.AddPriceAsync("memory", 0.01m, "2026-05-01", client: client.Path);

        var again = await admin.PostAsJsonAsync("/api/v1/admin/prices",
            new { resource = "memory", unit_price = 0.02, effective_from = "2026-05-01", client = client.Path });
        var bad = await admin.PostAsJsonAsync("/api/v1/admin/prices",
            new { resource = "disk", gpu_model = "A100", unit_price = -1, client = client.Path });
        var unknownClient = await admin.PostAsJsonAsync("/api/v1/admin/prices",
            new { resource = "cpu", unit_price = 1, effective_from = "2026-05-01", client = "no-such-client" });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal($"A memory price effective 2026-05-01 already exists for {client.Path}; prices are never edited, add one with another date.",
            (await BillingServer.Read(again)).GetProperty("detail").GetString());
        var errors = (await BillingServer.Read(bad)).GetProperty("errors");
        Assert.Equal("resource must be one of gpu, cpu, memory, storage.", errors.GetProperty("resource")[0].GetString());
        Assert.Equal("unit_price must be between 0 and 1000000000.", errors.GetProperty("unit_price")[0].GetString());
        Assert.Equal("effective_from is required (YYYY-MM-DD, from 00:00 UTC).", errors.GetProperty("effective_from")[0].GetString());
        Assert.Equal("There is no client 'no-such-client'.",
            (await BillingServer.Read(unknownClient)).GetProperty("errors").GetProperty("client")[0].GetString());
    }

    [Fact]
    public async Task Metrics_AfterIngestion_UsageTotalsPerClientAndModel()
    {
        var client = await server.ArrangeClientAsync();
        await server.ReportAsync(await server.AddJobAsync(client, "p"), DateTimeOffset.UtcNow, cpuCoreSeconds: 42, gpus: [("L40S", 5400)]);
        await server.IngestAsync();
        await server.Services.GetRequiredService<UsageMetrics>().RefreshAsync(CancellationToken.None);
        using var admin = server.Admin();

        var metrics = await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync();

        var gpu = metrics.Split('\n').Single(l => l.StartsWith("mlops_usage_gpu_seconds_total{", StringComparison.Ordinal)
            && l.Contains($"client=\"{client.Path}\"", StringComparison.Ordinal));
        Assert.Contains("gpu_model=\"L40S\"", gpu);
        Assert.Equal("5400", gpu.Split("} ")[1].Split(' ')[0]);
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("mlops_usage_cpu_core_seconds_total{", StringComparison.Ordinal)
            && l.Contains($"client=\"{client.Path}\"", StringComparison.Ordinal));
    }
}
