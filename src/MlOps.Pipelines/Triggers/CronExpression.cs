using System.Globalization;

namespace MlOps.Pipelines.Triggers;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week) in UTC, evaluated by
/// Cronos. This adapter keeps what the language documents and Cronos does differently: only
/// numbers, <c>*</c>, <c>a-b</c>, <c>*/n</c>, <c>a-b/n</c> and lists (Cronos also takes names,
/// <c>L</c>, <c>W</c>, <c>#</c>, <c>?</c> and wrapping ranges), errors that name the field (Cronos's
/// say only "value must be between"), and classic cron's rule that when both day fields are
/// restricted either one matching is enough (Cronos requires both).
/// </summary>
public sealed class CronExpression
{
    private static readonly (string Name, int Min, int Max)[] Fields =
        [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];

    private readonly Cronos.CronExpression[] _alternatives;

    private CronExpression(Cronos.CronExpression[] alternatives) => _alternatives = alternatives;

    public static CronExpression? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            error = $"cron '{text}' must have 5 fields (minute hour day-of-month month day-of-week), got {parts.Length}";
            return null;
        }
        for (var f = 0; f < 5; f++)
            if (CheckField(parts[f], Fields[f]) is { } why)
            {
                error = $"cron '{text}': {Fields[f].Name} {why}";
                return null;
            }
        var (min, hour, dom, month, dow) = (parts[0], parts[1], parts[2], parts[3], parts[4]);
        // Both day fields restricted: one schedule per day field, and the minute matches if either fires.
        string[] expressions = dom != "*" && dow != "*"
            ? [$"{min} {hour} {dom} {month} *", $"{min} {hour} * {month} {dow}"]
            : [string.Join(' ', parts)];
        try
        {
            return new CronExpression(expressions.Select(e => Cronos.CronExpression.Parse(e, Cronos.CronFormat.Standard)).ToArray());
        }
        catch (Cronos.CronFormatException e)
        {
            // The grammar above lets through only what Cronos reads; this is a safety net, not a path.
            error = $"cron '{text}': {e.Message}";
            return null;
        }
    }

    /// <summary>Whether the schedule fires in the minute that contains <paramref name="utc"/>.</summary>
    public bool Matches(DateTime utc)
    {
        var minute = new DateTime(utc.Ticks - utc.Ticks % TimeSpan.TicksPerMinute, DateTimeKind.Utc);
        return _alternatives.Any(c => c.GetNextOccurrence(minute, inclusive: true) == minute);
    }

    /// <summary>The first minute after <paramref name="utc"/> at which the schedule fires.</summary>
    public DateTime? NextAfter(DateTime utc)
    {
        var from = DateTime.SpecifyKind(utc, DateTimeKind.Utc);
        return _alternatives.Select(c => c.GetNextOccurrence(from)).Where(d => d is not null).Min();
    }

    /// <summary>The documented grammar of one field; null when valid, otherwise why not.</summary>
    private static string? CheckField(string text, (string Name, int Min, int Max) f)
    {
        foreach (var item in text.Split(','))
        {
            var slash = item.Split('/');
            if (slash.Length > 2) return $"has a malformed part '{item}'";
            if (slash.Length == 2 && (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out var step) || step < 1
                                      || step > f.Max))
                return $"has an invalid step '{slash[1]}'";
            if (slash[0] == "*") continue;
            var dash = slash[0].Split('-');
            if (dash.Length > 2 || !Number(dash[0], out var lo) || !Number(dash[^1], out var hi))
                return $"has a malformed part '{item}'";
            if (lo < f.Min || hi > f.Max || lo > hi)
                return $"must be {f.Min}-{f.Max}, got {slash[0]}";
        }
        return null;
    }

    private static bool Number(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && s.Length <= 2;
}
