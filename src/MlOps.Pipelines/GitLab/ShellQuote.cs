namespace MlOps.Pipelines.GitLab;

/// <summary>POSIX single quoting: nothing inside single quotes is special, and a quote is written as '\''.</summary>
public static class ShellQuote
{
    public static string Quote(string arg) => "'" + arg.Replace("'", "'\\''") + "'";

    public static string Join(IEnumerable<string> argv) => string.Join(" ", argv.Select(Quote));
}
