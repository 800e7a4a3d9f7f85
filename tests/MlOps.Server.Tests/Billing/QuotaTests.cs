using Dapper;

namespace MlOps.Server.Tests.Billing;

/// <summary>Quotas as the claim query meets them (`job_quota_reason`), as admins set them, and their warnings.</summary>
public sealed class QuotaTests(BillingServer server) : IClassFixture<BillingServer>
{
    [Fact]
    public async Task JobQuotaReason_ZeroGpuHours_ReasonUntilTheQuotaIsRaised()
    {
        var client = await server.ArrangeClientAsync();
        await server.ReportAsync(await server.AddJobAsync(client, "p"), DateTimeOffset.UtcNow, gpus: [("A100", 1800)]);
        await server.IngestAsync();
        using var admin = server.Admin();

        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { gpu_hours_per_month = 0 }));
        var gpuJob = await ReasonAsync(client.Id, 1);
        var cpuJob = await ReasonAsync(client.Id, 0);
        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { gpu_hours_per_month = 0.5 }));
        var atLimit = await ReasonAsync(client.Id, 2);
        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { gpu_hours_per_month = 120 }));
        var raised = await ReasonAsync(client.Id, 1);

        Assert.Equal("quota exceeded: 0.5 of 0 GPU-hours this month", gpuJob);
        Assert.Null(cpuJob);
        Assert.Equal("quota exceeded: 0.5 of 0.5 GPU-hours this month", atLimit);
        Assert.Null(raised);
    }

    [Fact]
    public async Task JobQuotaReason_RunningAttemptsCount_BeforeTheyAreBooked()
    {
        var client = await server.ArrangeClientAsync();
        var running = await server.AddJobAsync(client, "p", status: "running", gpus: 1);
        await server.ReportAsync(running, DateTimeOffset.UtcNow, gpus: [("A100", 7200)], final: false);
        using var admin = server.Admin();

        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { gpu_hours_per_month = 2 }));

        Assert.Equal("quota exceeded: 2 of 2 GPU-hours this month", await ReasonAsync(client.Id, 1));
    }

    [Fact]
    public async Task JobQuotaReason_ConcurrentJobsAndGpus_ReasonWhileRunning()
    {
        var client = await server.ArrangeClientAsync();
        var running = await server.AddJobAsync(client, "p", status: "running", gpus: 3);
        using var admin = server.Admin();

        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { concurrent_gpus = 4 }));
        var tooManyGpus = await ReasonAsync(client.Id, 2);
        var fits = await ReasonAsync(client.Id, 1);
        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { concurrent_jobs = 1, concurrent_gpus = 4 }));
        var tooManyJobs = await ReasonAsync(client.Id, 0);
        await server.ScalarAsync<int>("UPDATE jobs SET status = 'success' WHERE id = @running RETURNING 1", new { running });
        var freed = await ReasonAsync(client.Id, 4);

        Assert.Equal("quota exceeded: 3 of 4 concurrent GPUs in use, this job needs 2", tooManyGpus);
        Assert.Null(fits);
        Assert.Equal("quota exceeded: 1 of 1 concurrent jobs running", tooManyJobs);
        Assert.Null(freed);
    }

    [Fact]
    public async Task PutQuota_OwnerNotAdmin_403AndUnchanged()
    {
        var owner = BillingServer.NewName("o");
        var token = await server.CreateUserAsync(owner);
        var client = await server.ArrangeClientAsync(owner: owner);
        using var http = server.As(token);

        var response = await http.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { storage_bytes = 1 });
        var read = await http.GetAsync($"/api/v1/clients/{client.Path}/quota");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Only an administrator may do this.", (await BillingServer.Read(response)).GetProperty("detail").GetString());
        var quota = await MlOpsServer.Ensure(read);
        Assert.Equal(JsonValueKind.Null, quota.GetProperty("storage_bytes").ValueKind);
    }

    [Fact]
    public async Task PutQuota_NegativeLimits_400ForEachAndUnchanged()
    {
        var client = await server.ArrangeClientAsync();
        using var admin = server.Admin();

        var response = await admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota",
            new { gpu_hours_per_month = -1, concurrent_jobs = -1, storage_bytes = -5 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await BillingServer.Read(response)).GetProperty("errors");
        Assert.Equal("concurrent_jobs must not be negative (null: unlimited).", errors.GetProperty("concurrent_jobs")[0].GetString());
        Assert.Equal("storage_bytes must not be negative (null: unlimited).", errors.GetProperty("storage_bytes")[0].GetString());
        Assert.True(errors.TryGetProperty("gpu_hours_per_month", out _));
        Assert.Equal(0L, await server.ScalarAsync<long>("SELECT count(*) FROM client_quotas WHERE client_id = @id", new { id = client.Id }));
    }

    [Fact]
    public async Task QuotaEvents_GpuHoursReach80Then100Percent_OneEventEach()
    {
        var client = await server.ArrangeClientAsync();
        using var admin = server.Admin();
        await Ensure(admin.PutAsJsonAsync($"/api/v1/clients/{client.Path}/quota", new { gpu_hours_per_month = 10 }));

        await server.ReportAsync(await server.AddJobAsync(client, "p"), DateTimeOffset.UtcNow, gpus: [("A100", 8.5 * 3600)]);
        await server.IngestAsync();
        var afterFirst = await Ensure(admin.GetAsync($"/api/v1/clients/{client.Path}/quota_events"));
        await server.ReportAsync(await server.AddJobAsync(client, "p"), DateTimeOffset.UtcNow, gpus: [("A100", 2 * 3600)]);
        await server.ReportAsync(await server.AddJobAsync(client, "p"), DateTimeOffset.UtcNow, gpus: [("A100", 3600)]);
        await server.IngestAsync();
        var afterMore = await Ensure(admin.GetAsync($"/api/v1/clients/{client.Path}/quota_events"));

        Assert.Equal([80], afterFirst.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("threshold").GetInt32()));
        var events = afterMore.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([100, 80], events.Select(e => e.GetProperty("threshold").GetInt32()));
        Assert.Equal("gpu_hours_per_month", events[0].GetProperty("quota").GetString());
        Assert.Equal(11.5m, events[0].GetProperty("used").GetDecimal());
    }

    private async Task<string?> ReasonAsync(long clientId, int gpus)
    {
        await using var connection = await server.OpenAsync();
        return await connection.ExecuteScalarAsync<string?>("SELECT job_quota_reason(@clientId, @gpus)", new { clientId, gpus });
    }

    private static async Task<JsonElement> Ensure(Task<HttpResponseMessage> response) => await MlOpsServer.Ensure(await response);
}
