using Dapper;
using Xunit.Abstractions;

namespace MlOps.Server.Tests.Billing;

/// <summary>
/// Properties over random usage and prices (its own server: these tests set the shared price
/// list): a statement's lines add up to the ledger of its period, and its amounts to the ledger
/// priced entry by entry, to within the per-line rounding.
/// </summary>
public sealed class StatementPropertyTests(BillingServer server, ITestOutputHelper output) : IClassFixture<BillingServer>
{
    private static readonly string[] Models = ["A100", "H100", "L4"];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Statement_RandomUsageAndPrices_LinesSumToTheLedger(int seed)
    {
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        var client = await server.ArrangeClientAsync(["a", "b", "c"]);
        // Price list entries for a model of this test only, plus client overrides; changes inside the month.
        var model = BillingServer.NewName("X");
        await server.AddPriceAsync("gpu", Price(random), "2026-01-01", model);
        await server.AddPriceAsync("gpu", Price(random), $"2026-03-{random.Next(2, 28):00}", model);
        await server.AddPriceAsync("gpu", Price(random), $"2026-03-{random.Next(2, 28):00}", "A100", client.Path);
        await server.AddPriceAsync("cpu", Price(random), "2026-01-01", client: client.Path);
        await server.AddPriceAsync("cpu", Price(random), $"2026-03-{random.Next(2, 28):00}", client: client.Path);
        await server.AddPriceAsync("memory", Price(random), $"2026-03-{random.Next(2, 28):00}", client: client.Path);
        var start = new DateTimeOffset(2026, 2, 27, 0, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 60; i++)
        {
            var job = await server.AddJobAsync(client, new[] { "a", "b", "c" }[random.Next(3)], new[] { "train", "eval" }[random.Next(2)]);
            var gpus = Enumerable.Range(0, random.Next(0, 3))
                .Select(_ => (random.Next(4) == 0 ? model : Models[random.Next(Models.Length)], random.NextDouble() * 20000)).ToArray();
            await server.ReportAsync(job, start.AddSeconds(random.Next(0, 36 * 86400)), random.NextDouble() * 50000,
                random.NextDouble() * 90000, gpus);
        }
        await server.IngestAsync();

        var statement = await server.StatementAsync(client.Path, "month=2026-03");

        var lines = statement.GetProperty("lines").EnumerateArray().ToList();
        var fromLines = lines.GroupBy(l => (l.GetProperty("resource").GetString()!, l.GetProperty("detail").GetString()!))
            .ToDictionary(g => g.Key, g => g.Sum(l => l.GetProperty("ledger_quantity").GetDecimal()));
        await using var connection = await server.OpenAsync();
        var ledger = (await connection.QueryAsync<(string Resource, string Detail, decimal Quantity)>(
            """
            SELECT resource, detail, sum(quantity) FROM usage_entries
            WHERE client_id = @id AND day >= '2026-03-01' AND day < '2026-04-01' GROUP BY resource, detail
            """, new { id = client.Id })).ToDictionary(r => (r.Resource, r.Detail), r => r.Quantity);
        Assert.Equal(ledger.OrderBy(k => k.Key), fromLines.OrderBy(k => k.Key));

        var total = statement.GetProperty("total").GetDecimal();
        Assert.Equal(lines.Sum(l => l.GetProperty("amount").GetDecimal()), total);
        // Each entry priced on its own by an independent lookup: client before list, model before any model, latest date.
        var exact = await connection.ExecuteScalarAsync<decimal>(
            """
            SELECT sum(e.quantity / 3600 * COALESCE((
                SELECT p.unit_price FROM prices p
                WHERE p.resource = e.resource AND (p.client_id = e.client_id OR p.client_id IS NULL)
                  AND p.gpu_model IN (CASE WHEN e.resource = 'gpu' THEN e.detail ELSE '' END, '') AND p.effective_from <= e.day
                ORDER BY p.client_id IS NULL, p.gpu_model = '', p.effective_from DESC LIMIT 1), 0))
            FROM usage_entries e WHERE e.client_id = @id AND e.day >= '2026-03-01' AND e.day < '2026-04-01'
            """, new { id = client.Id });
        Assert.InRange(total - exact, -0.005m * lines.Count, 0.005m * lines.Count);
        Assert.True(exact > 0);
    }

    private static decimal Price(Random random) => Math.Round((decimal)random.NextDouble() * 4, 4);
}
