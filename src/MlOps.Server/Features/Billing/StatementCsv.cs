using System.Globalization;
using System.Text;

namespace MlOps.Server.Features.Billing;

/// <summary>
/// A statement's lines as CSV (RFC 4180: comma-separated, CRLF, fields with commas, quotes or
/// line breaks quoted), numbers in invariant culture, one header row and no total row: the total
/// is the sum of the amount column.
/// </summary>
public static class StatementCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static readonly string[] Header =
    [
        "client", "project", "pipeline", "resource", "detail", "from", "to", "quantity", "unit", "unit_price", "currency", "amount",
        "ledger_quantity", "ledger_unit",
    ];

    public static string Write(Statement statement)
    {
        var csv = new StringBuilder();
        Row(csv, Header);
        foreach (var l in statement.Lines)
        {
            Row(csv, [
                statement.Client, l.Project ?? "", l.Pipeline ?? "", l.Resource, l.Detail, Day(l.From), Day(l.To), Number(l.Quantity), l.Unit,
                Number(l.UnitPrice), statement.Currency, Number(l.Amount), Number(l.LedgerQuantity), l.LedgerUnit,
            ]);
        }
        return csv.ToString();
    }

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Number(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Row(StringBuilder csv, IEnumerable<string> fields)
    {
        csv.AppendJoin(',', fields.Select(Quote)).Append("\r\n");
    }

    private static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
}
