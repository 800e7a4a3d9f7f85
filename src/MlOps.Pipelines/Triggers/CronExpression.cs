using System.Globalization;

namespace MlOps.Pipelines.Triggers;

/// <summary>
/// A five-field cron expression (minute hour day-of-month month day-of-week) in UTC. Each field
/// is <c>*</c>, a number, a range <c>a-b</c>, a step <c>*/n</c> or <c>a-b/n</c>, or a comma list.
/// </summary>
public sealed class CronExpression
{
    private static readonly (string Name, int Min, int Max)[] Fields =
        [("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31), ("month", 1, 12), ("day of week", 0, 7)];

    private readonly ulong[] _allowed;
    private readonly bool _domAny;
    private readonly bool _dowAny;

    private CronExpression(ulong[] allowed, bool domAny, bool dowAny) =>
        (_allowed, _domAny, _dowAny) = (allowed, domAny, dowAny);

    public static CronExpression? TryParse(string text, out string? error)
    {
        error = null;
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 5)
        {
            error = $"cron '{text}' must have 5 fields (minute hour day-of-month month day-of-week), got {parts.Length}";
            return null;
        }
        var allowed = new ulong[5];
        for (var f = 0; f < 5; f++)
            if (!TryField(parts[f], Fields[f], out allowed[f], out var why))
            {
                error = $"cron '{text}': {Fields[f].Name} {why}";
                return null;
            }
        // Sunday is both 0 and 7.
        if ((allowed[4] & (1UL << 7)) != 0) allowed[4] |= 1;
        return new CronExpression(allowed, parts[2] == "*", parts[4] == "*");
    }

    /// <summary>Whether the schedule fires in the minute that contains <paramref name="utc"/>.</summary>
    public bool Matches(DateTime utc)
    {
        bool Has(int field, int value) => (_allowed[field] & (1UL << value)) != 0;
        if (!Has(0, utc.Minute) || !Has(1, utc.Hour) || !Has(3, utc.Month)) return false;
        var dom = Has(2, utc.Day);
        var dow = Has(4, (int)utc.DayOfWeek);
        // Classic cron: when both day fields are restricted, either one matching is enough.
        return _domAny || _dowAny ? dom && dow : dom || dow;
    }

    private static bool TryField(string text, (string Name, int Min, int Max) f, out ulong bits, out string? why)
    {
        bits = 0;
        why = null;
        foreach (var item in text.Split(','))
        {
            var slash = item.Split('/');
            if (slash.Length > 2) { why = $"has a malformed part '{item}'"; return false; }
            var step = 1;
            if (slash.Length == 2 && (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                why = $"has an invalid step '{slash[1]}'";
                return false;
            }
            int lo, hi;
            if (slash[0] == "*") (lo, hi) = (f.Min, f.Max);
            else
            {
                var dash = slash[0].Split('-');
                if (dash.Length > 2 || !Number(dash[0], out lo) || !Number(dash[^1], out hi))
                {
                    why = $"has a malformed part '{item}'";
                    return false;
                }
                if (lo < f.Min || hi > f.Max || lo > hi)
                {
                    why = $"must be {f.Min}-{f.Max}, got {slash[0]}";
                    return false;
                }
                if (dash.Length == 1 && slash.Length == 2) hi = f.Max;
            }
            for (var v = lo; v <= hi; v += step) bits |= 1UL << v;
        }
        return true;
    }

    private static bool Number(string s, out int value) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && s.Length <= 2;
}
