namespace MlOps.Server.Features.Billing;

/// <summary>
/// Prices a client's daily rollups into a statement. Pure, so the money rules are tested without
/// a database: quantities stay exact decimals until each line's amount is rounded once, half to
/// even, to <see cref="MoneyDecimals"/> places; the total is the sum of the rounded lines.
/// </summary>
public static class StatementCalculator
{
    public const int MoneyDecimals = 2;
    public const int QuantityDecimals = 6;
    public const string Rounding = "half_to_even";

    private static readonly string[] ResourceOrder = [Resource.Gpu, Resource.Cpu, Resource.Memory, Resource.Storage];

    private sealed record LineKey(long? ProjectId, string? Pipeline, string Resource, string Detail, long? PriceId);

    private sealed class LineSum(UsageDay first, decimal unitPrice)
    {
        public string? Project { get; } = first.ProjectPath;
        public decimal UnitPrice { get; } = unitPrice;
        public DateOnly From { get; set; } = first.Day;
        public DateOnly To { get; set; } = first.Day;
        public decimal Ledger { get; set; }
        public decimal Billed { get; set; }
    }

    private sealed class DaySum
    {
        public Dictionary<string, decimal> Billed { get; } = new(StringComparer.Ordinal);
        public decimal Cost { get; set; }
    }

    public static decimal RoundMoney(decimal amount) => Math.Round(amount, MoneyDecimals, MidpointRounding.ToEven);

    public static Statement Build(string client, long clientId, StatementPeriod period, IEnumerable<UsageDay> rows, PriceBook prices,
        string currency)
    {
        var lines = new Dictionary<LineKey, LineSum>();
        var days = new Dictionary<DateOnly, DaySum>();
        foreach (var row in rows)
        {
            var resource = Resource.All[row.Resource];
            var price = prices.Find(clientId, row.Resource, row.Detail, row.Day);
            var billed = resource.ToBilled(row.Quantity, row.Day);
            var key = new LineKey(row.ProjectId, row.Pipeline, row.Resource, row.Detail, price?.Id);
            if (!lines.TryGetValue(key, out var line))
            {
                lines[key] = line = new LineSum(row, price?.UnitPrice ?? 0m);
            }
            line.From = row.Day < line.From ? row.Day : line.From;
            line.To = row.Day > line.To ? row.Day : line.To;
            line.Ledger += row.Quantity;
            line.Billed += billed;

            if (!days.TryGetValue(row.Day, out var day))
            {
                days[row.Day] = day = new DaySum();
            }
            day.Billed[row.Resource] = day.Billed.GetValueOrDefault(row.Resource) + billed;
            day.Cost += billed * line.UnitPrice;
        }

        var statementLines = lines
            .OrderBy(l => l.Value.Project is null).ThenBy(l => l.Value.Project, StringComparer.Ordinal)
            .ThenBy(l => l.Key.Pipeline, StringComparer.Ordinal)
            .ThenBy(l => Array.IndexOf(ResourceOrder, l.Key.Resource)).ThenBy(l => l.Key.Detail, StringComparer.Ordinal)
            .ThenBy(l => l.Value.From)
            .Select(l =>
            {
                var resource = Resource.All[l.Key.Resource];
                return new StatementLine(l.Key.ProjectId, l.Value.Project, l.Key.Pipeline, l.Key.Resource, l.Key.Detail,
                    l.Value.From, l.Value.To, Math.Round(l.Value.Billed, QuantityDecimals, MidpointRounding.ToEven), resource.BilledUnit,
                    l.Value.UnitPrice, l.Key.PriceId, RoundMoney(l.Value.Billed * l.Value.UnitPrice), l.Value.Ledger, resource.LedgerUnit);
            })
            .ToList();

        var totals = statementLines
            .GroupBy(l => (l.Resource, l.Detail))
            .OrderBy(g => Array.IndexOf(ResourceOrder, g.Key.Resource)).ThenBy(g => g.Key.Detail, StringComparer.Ordinal)
            .Select(g => new StatementTotal(g.Key.Resource, g.Key.Detail,
                Math.Round(lines.Where(l => l.Key.Resource == g.Key.Resource && l.Key.Detail == g.Key.Detail).Sum(l => l.Value.Billed),
                    QuantityDecimals, MidpointRounding.ToEven),
                Resource.All[g.Key.Resource].BilledUnit, g.Sum(l => l.Amount)))
            .ToList();

        var daily = new List<DailyUsage>();
        for (var d = period.From; d < period.Until; d = d.AddDays(1))
        {
            var sum = days.GetValueOrDefault(d);
            decimal Of(string r) => Math.Round(sum?.Billed.GetValueOrDefault(r) ?? 0m, QuantityDecimals, MidpointRounding.ToEven);
            daily.Add(new DailyUsage(d, Of(Resource.Gpu), Of(Resource.Cpu), Of(Resource.Memory), Of(Resource.Storage),
                RoundMoney(sum?.Cost ?? 0m)));
        }

        return new Statement(client, period.From, period.To, currency, Rounding, statementLines.Sum(l => l.Amount), totals,
            statementLines, daily);
    }
}
