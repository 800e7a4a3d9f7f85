namespace MlOps.Runner.Logs;

/// <summary>
/// Replaces the values of a job's secrets with [MASKED] before any log line leaves the runner.
/// Values shorter than 3 characters are not masked (they would mask ordinary text); a multi-line
/// value is also masked line by line, since the log is masked a line at a time.
/// </summary>
public sealed class SecretMasker
{
    public const string Masked = "[MASKED]";
    private readonly string[] values;

    public SecretMasker(IEnumerable<string> secrets)
    {
        values = secrets
            .SelectMany(s => s.Contains('\n') ? s.Split('\n').Select(l => l.TrimEnd('\r')).Append(s) : [s])
            .Where(s => s.Length >= 3)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(s => s.Length)
            .ToArray();
    }

    public string Mask(string text)
    {
        foreach (var value in values)
        {
            text = text.Replace(value, Masked, StringComparison.Ordinal);
        }
        return text;
    }
}
