namespace MlOps.Server.Features.Billing;

/// <summary>A rollup row: what a client used of one resource on one UTC day, in ledger units.</summary>
public sealed record UsageDay(DateOnly Day, long? ProjectId, string? ProjectPath, string? Pipeline, string Resource, string Detail,
    decimal Quantity);

/// <summary>
/// One line: a project's pipeline's use of a resource (and GPU model, or storage kind) at one
/// price. A price change inside the period splits it; <see cref="From"/>..<see cref="To"/> are
/// the days with usage at that price. The amount is rounded once, here.
/// </summary>
public sealed record StatementLine(
    long? ProjectId, string? Project, string? Pipeline, string Resource, string Detail, DateOnly From, DateOnly To,
    decimal Quantity, string Unit, decimal UnitPrice, long? PriceId, decimal Amount, decimal LedgerQuantity, string LedgerUnit);

/// <summary>Lines summed per resource and detail (their amounts are the rounded lines' sum).</summary>
public sealed record StatementTotal(string Resource, string Detail, decimal Quantity, string Unit, decimal Amount);

/// <summary>A day for charts: quantities in billed units and the day's cost, each day rounded on its own.</summary>
public sealed record DailyUsage(DateOnly Date, decimal GpuHours, decimal CpuCoreHours, decimal MemoryGbHours, decimal StorageGbMonths,
    decimal Amount);

public sealed record Statement(
    string Client, DateOnly From, DateOnly To, string Currency, string Rounding, decimal Total,
    IReadOnlyList<StatementTotal> Totals, IReadOnlyList<StatementLine> Lines, IReadOnlyList<DailyUsage> Daily);
