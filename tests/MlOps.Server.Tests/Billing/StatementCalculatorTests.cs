using MlOps.Server.Features.Billing;

namespace MlOps.Server.Tests.Billing;

/// <summary>The money rules without a database: units, rounding once per line, price precedence.</summary>
public sealed class StatementCalculatorTests
{
    private static readonly StatementPeriod November = StatementPeriod.Month(2026, 11);

    private static UsageDay Cpu(int day, decimal seconds, string pipeline = "train") =>
        new(new DateOnly(2026, 11, day), 1, "acme/p", pipeline, Resource.Cpu, "", seconds);

    [Fact]
    public void Build_LineAtHalfACent_RoundsHalfToEvenOncePerLine()
    {
        // 0.5 core-hours at 0.05: 0.025 rounds to 0.02 (half to even), and 2.5 hours at 0.01: 0.025 to 0.02;
        // rounding each day first would give 3 × 0.01 = 0.03 for the second line.
        var prices = new PriceBook([new PriceRow(1, null, Resource.Cpu, "", 0.05m, new DateOnly(2026, 1, 1)),
            new PriceRow(2, 7, Resource.Cpu, "", 0.01m, new DateOnly(2026, 11, 10))]);

        var statement = StatementCalculator.Build("acme", 7, November,
            [Cpu(1, 1800), Cpu(10, 3000), Cpu(11, 3000), Cpu(12, 3000)], prices, "EUR");

        Assert.Equal([0.02m, 0.02m], statement.Lines.Select(l => l.Amount));
        Assert.Equal(0.04m, statement.Total);
        Assert.Equal((new DateOnly(2026, 11, 10), new DateOnly(2026, 11, 12)), (statement.Lines[1].From, statement.Lines[1].To));
    }

    [Fact]
    public void Build_OneGigabyteStoredAllMonth_IsOneGigabyteMonth()
    {
        var rows = Enumerable.Range(1, 30).Select(d =>
            new UsageDay(new DateOnly(2026, 11, d), null, null, null, Resource.Storage, "lfs", 1_000_000_000m));
        var prices = new PriceBook([new PriceRow(1, null, Resource.Storage, "", 0.10m, new DateOnly(2026, 1, 1))]);

        var statement = StatementCalculator.Build("acme", 7, November, rows, prices, "EUR");

        var line = Assert.Single(statement.Lines);
        Assert.Equal((1m, "GB-month", 0.10m), (line.Quantity, line.Unit, line.Amount));
        Assert.Null(line.Project);
    }

    [Fact]
    public void Find_ClientModelBeforeClientAnyBeforeListModelBeforeListAny()
    {
        var jan = new DateOnly(2026, 1, 1);
        var prices = new PriceBook([
            new PriceRow(1, null, Resource.Gpu, "", 1m, jan), new PriceRow(2, null, Resource.Gpu, "H100", 2m, jan),
            new PriceRow(3, 7, Resource.Gpu, "", 3m, jan), new PriceRow(4, 7, Resource.Gpu, "A100", 4m, new DateOnly(2026, 12, 1)),
        ]);
        var day = new DateOnly(2026, 11, 30);

        Assert.Equal(3m, prices.Find(7, Resource.Gpu, "A100", day)!.UnitPrice);        // its own A100 price starts later
        Assert.Equal(4m, prices.Find(7, Resource.Gpu, "A100", day.AddDays(1))!.UnitPrice);
        Assert.Equal(3m, prices.Find(7, Resource.Gpu, "H100", day)!.UnitPrice);
        Assert.Equal(2m, prices.Find(8, Resource.Gpu, "H100", day)!.UnitPrice);
        Assert.Equal(1m, prices.Find(8, Resource.Gpu, "L4", day)!.UnitPrice);
        Assert.Null(prices.Find(8, Resource.Cpu, "", day));
    }
}
