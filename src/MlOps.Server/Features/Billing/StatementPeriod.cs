using System.Globalization;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Billing;

/// <summary>Whole UTC days, <see cref="From"/> included, <see cref="Until"/> excluded.</summary>
public readonly record struct StatementPeriod(DateOnly From, DateOnly Until)
{
    public const int MaxDays = 366;

    public DateOnly To => Until.AddDays(-1);

    public static StatementPeriod Month(int year, int month) =>
        new(new DateOnly(year, month, 1), new DateOnly(year, month, 1).AddMonths(1));

    /// <summary>`month=YYYY-MM`, or `from=YYYY-MM-DD&amp;to=YYYY-MM-DD` (both days included); the current UTC month by default.</summary>
    public static StatementPeriod Parse(string? month, string? from, string? to, DateTimeOffset now)
    {
        if (!string.IsNullOrEmpty(month))
        {
            if (!string.IsNullOrEmpty(from) || !string.IsNullOrEmpty(to))
            {
                throw new ValidationException("month", "Give either month or from and to, not both.");
            }
            if (!DateOnly.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var first))
            {
                throw new ValidationException("month", $"month must be a month like 2026-11, not '{month}'.");
            }
            return Month(first.Year, first.Month);
        }
        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(to))
        {
            var today = now.UtcDateTime;
            return Month(today.Year, today.Month);
        }
        var errors = new Validator();
        var start = Day(from, "from", errors);
        var end = Day(to, "to", errors);
        errors.ThrowIfAny();
        if (end < start)
        {
            throw new ValidationException("to", "to must not be before from.");
        }
        if (end.DayNumber - start.DayNumber + 1 > MaxDays)
        {
            throw new ValidationException("to", $"A statement covers at most {MaxDays} days.");
        }
        return new StatementPeriod(start, end.AddDays(1));
    }

    private static DateOnly Day(string? value, string field, Validator errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(field, $"{field} is required with a date range (YYYY-MM-DD).");
            return default;
        }
        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            errors.Add(field, $"{field} must be a date like 2026-11-30, not '{value}'.");
        }
        return day;
    }
}
