using System.Globalization;
using Npgsql;

namespace MlOps.Server.Tests.Billing;

/// <summary>Statements from the ledger: price splits, UTC months, CSV, idempotent ingestion, an append-only ledger.</summary>
public sealed class StatementTests(BillingServer server) : IClassFixture<BillingServer>
{
    [Fact]
    public async Task Statement_PriceChangeMidMonth_SplitsTheLine()
    {
        var client = await server.ArrangeClientAsync();
        var model = BillingServer.NewName("A100-");
        await server.AddPriceAsync("gpu", 2.00m, "2026-01-01", model, client.Path);
        await server.AddPriceAsync("gpu", 3.00m, "2026-11-15", model, client.Path);
        var early = await server.AddJobAsync(client, "p");
        var late = await server.AddJobAsync(client, "p");
        await server.ReportAsync(early, Utc("2026-11-10T12:00:00Z"), gpus: [(model, 3600)]);
        await server.ReportAsync(late, Utc("2026-11-20T12:00:00Z"), gpus: [(model, 3600), (model, 3600)]);
        await server.IngestAsync();

        var statement = await server.StatementAsync(client.Path, "month=2026-11");

        var lines = statement.GetProperty("lines").EnumerateArray().Where(l => l.GetProperty("resource").GetString() == "gpu").ToList();
        Assert.Equal(2, lines.Count);
        Assert.Equal(("2026-11-10", "2026-11-10", 1m, 2.00m, 2.00m), Line(lines[0]));
        Assert.Equal(("2026-11-20", "2026-11-20", 2m, 3.00m, 6.00m), Line(lines[1]));
        Assert.Equal(8.00m, statement.GetProperty("total").GetDecimal());
        Assert.Equal("half_to_even", statement.GetProperty("rounding").GetString());
    }

    [Fact]
    public async Task Statement_JobsAroundMidnight_CountOnTheUtcDayTheyFinished()
    {
        var client = await server.ArrangeClientAsync();
        await server.AddPriceAsync("cpu", 1m, "2026-01-01", client: client.Path);
        foreach (var finished in new[] { "2026-10-31T23:59:59Z", "2026-11-01T00:30:00+01:00", "2026-11-01T00:00:00Z", "2026-11-30T23:59:59Z", "2026-12-01T00:00:00Z" })
        {
            await server.ReportAsync(await server.AddJobAsync(client, "p"), Utc(finished), cpuCoreSeconds: 3600);
        }
        await server.IngestAsync();

        var october = await server.StatementAsync(client.Path, "month=2026-10");
        var november = await server.StatementAsync(client.Path, "month=2026-11");
        var firstDay = await server.StatementAsync(client.Path, "from=2026-11-01&to=2026-11-01");

        Assert.Equal(2m, october.GetProperty("total").GetDecimal());   // 23:59:59Z and 00:30+01:00 (= 23:30Z)
        Assert.Equal(2m, november.GetProperty("total").GetDecimal());  // 00:00:00Z on the 1st and 23:59:59Z on the 30th
        Assert.Equal(1m, firstDay.GetProperty("total").GetDecimal());
        Assert.Equal("2026-11-30", november.GetProperty("to").GetString());
        var daily = november.GetProperty("daily").EnumerateArray().ToList();
        Assert.Equal(30, daily.Count);
        Assert.Equal(1m, daily[0].GetProperty("cpu_core_hours").GetDecimal());
        Assert.Equal(1m, daily[29].GetProperty("amount").GetDecimal());
        Assert.Equal(0m, daily[1].GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task Statement_FormatCsv_HeaderAndOneRowPerLine()
    {
        var client = await server.ArrangeClientAsync(["vision", "nlp"]);
        await server.AddPriceAsync("cpu", 0.05m, "2026-01-01", client: client.Path);
        await server.ReportAsync(await server.AddJobAsync(client, "vision", "train,eval"), Utc("2026-09-03T08:00:00Z"), cpuCoreSeconds: 7200);
        await server.ReportAsync(await server.AddJobAsync(client, "nlp", "train"), Utc("2026-09-04T08:00:00Z"), cpuCoreSeconds: 1800);
        await server.IngestAsync();
        using var admin = server.Admin();

        var response = await admin.GetAsync($"/api/v1/clients/{client.Path}/statement?month=2026-09&format=csv");

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var rows = (await response.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("client,project,pipeline,resource,detail,from,to,quantity,unit,unit_price,currency,amount,ledger_quantity,ledger_unit", rows[0]);
        Assert.Contains($"{client.Path},{client.Path}/nlp,train,cpu,,2026-09-04,2026-09-04,0.5,core-hour,0.05,EUR,0.02,1800,core-second", rows);
        Assert.Contains($"{client.Path},{client.Path}/vision,\"train,eval\",cpu,,2026-09-03,2026-09-03,2,core-hour,0.05,EUR,0.10,7200,core-second", rows);
        Assert.Equal(3 + 2, rows.Length); // header, two cpu lines, two memory lines at no price
    }

    [Fact]
    public async Task Ingest_SameReportsAgain_ChangesNothing()
    {
        var client = await server.ArrangeClientAsync();
        await server.AddPriceAsync("gpu", 1.5m, "2026-01-01", client: client.Path);
        var job = await server.AddJobAsync(client, "p");
        await server.ReportAsync(job, Utc("2026-08-08T08:00:00Z"), cpuCoreSeconds: 100, gpus: [("H100", 7200)]);
        await server.IngestAsync();
        var before = (await server.StatementAsync(client.Path, "month=2026-08")).GetRawText();

        // The runner retries its final report (with other figures), and the event is processed twice more.
        await server.ReportAsync(job, Utc("2026-08-08T08:00:00Z"), cpuCoreSeconds: 999, gpus: [("H100", 9999)]);
        for (var i = 0; i < 2; i++)
        {
            await server.ScalarAsync<int>("INSERT INTO usage_ingest_queue (job_id, attempt) VALUES (@job, 1) ON CONFLICT DO NOTHING RETURNING 1", new { job });
            await server.IngestAsync();
        }

        Assert.Equal(before, (await server.StatementAsync(client.Path, "month=2026-08")).GetRawText());
        Assert.Equal(3L, await server.ScalarAsync<long>("SELECT count(*) FROM usage_entries WHERE job_id = @job", new { job }));
        Assert.Equal(3m, (await server.StatementAsync(client.Path, "month=2026-08")).GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task Ledger_UpdateOrDelete_RefusedByTheDatabase()
    {
        var client = await server.ArrangeClientAsync();
        await server.ReportAsync(await server.AddJobAsync(client, "p"), Utc("2026-07-01T00:00:00Z"), cpuCoreSeconds: 10);
        await server.IngestAsync();

        foreach (var sql in new[] { "UPDATE usage_entries SET quantity = 0 WHERE client_id = @id", "DELETE FROM usage_entries WHERE client_id = @id" })
        {
            var error = await Assert.ThrowsAsync<PostgresException>(() => server.ScalarAsync<int>(sql + " RETURNING 1", new { id = client.Id }));
            Assert.Contains("usage_entries is append-only: record a correction", error.MessageText);
        }
        Assert.Equal(10m, await server.ScalarAsync<decimal>("SELECT sum(quantity) FROM usage_entries WHERE client_id = @id AND resource = 'cpu'", new { id = client.Id }));
    }

    [Fact]
    public async Task Correction_NegativeQuantity_NewEntryLowersStatementAndRetryBooksOnce()
    {
        var client = await server.ArrangeClientAsync();
        await server.AddPriceAsync("cpu", 1m, "2026-01-01", client: client.Path);
        await server.ReportAsync(await server.AddJobAsync(client, "p"), Utc("2026-06-05T00:00:00Z"), cpuCoreSeconds: 7200);
        await server.IngestAsync();
        using var admin = server.Admin();
        var correction = new
        {
            client = client.Path, key = "ticket-42", resource = "cpu", quantity = -3600, day = "2026-06-05", project = $"{client.Path}/p",
            pipeline = "train", note = "a node ran at half speed",
        };

        var first = await admin.PostAsJsonAsync("/api/v1/admin/usage_corrections", correction);
        var retry = await admin.PostAsJsonAsync("/api/v1/admin/usage_corrections", correction);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal((await BillingServer.Read(first)).GetProperty("id").GetInt64(), (await BillingServer.Read(retry)).GetProperty("id").GetInt64());
        Assert.Equal(1m, (await server.StatementAsync(client.Path, "month=2026-06")).GetProperty("total").GetDecimal());
    }

    [Theory]
    [InlineData("month=2026-13", "month", "month must be a month like 2026-11, not '2026-13'.")]
    [InlineData("month=2026-11&from=2026-11-01", "month", "Give either month or from and to, not both.")]
    [InlineData("from=2026-11-05&to=2026-11-01", "to", "to must not be before from.")]
    [InlineData("from=2026-11-05", "to", "to is required with a date range (YYYY-MM-DD).")]
    [InlineData("from=2025-01-01&to=2026-12-31", "to", "A statement covers at most 366 days.")]
    [InlineData("month=2026-11&format=xml", "format", "format must be json or csv.")]
    public async Task Statement_BadPeriod_400NamingTheField(string query, string field, string message)
    {
        var client = await server.ArrangeClientAsync();
        using var admin = server.Admin();

        var response = await admin.GetAsync($"/api/v1/clients/{client.Path}/statement?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await BillingServer.Read(response);
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    private static DateTimeOffset Utc(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);

    private static (string, string, decimal, decimal, decimal) Line(JsonElement line) => (
        line.GetProperty("from").GetString()!, line.GetProperty("to").GetString()!, line.GetProperty("quantity").GetDecimal(),
        line.GetProperty("unit_price").GetDecimal(), line.GetProperty("amount").GetDecimal());
}
