using System.Text.RegularExpressions;
using MlOps.Pipelines.Model;

namespace MlOps.Pipelines.Parsing;

internal static partial class OperationRefParser
{
    [GeneratedRegex(@"^([a-z0-9][a-z0-9_.-]*)/([a-z0-9][a-z0-9_.-]*)(?:@(.*))?$", RegexOptions.IgnoreCase)]
    private static partial Regex Uses();

    [GeneratedRegex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex SemVer();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitSha();

    public static bool IsExactVersion(string v) => SemVer().IsMatch(v) || CommitSha().IsMatch(v);
    public static bool IsSemVer(string v) => SemVer().IsMatch(v);
    public static bool IsCommitSha(string v) => CommitSha().IsMatch(v);

    /// <summary>Parses <c>owner/name@version</c>; on failure returns the message and hint to report.</summary>
    public static (OperationRef? Ref, string? Error, string? Hint) Parse(string text)
    {
        var m = Uses().Match(text);
        if (!m.Success)
            return (null, $"uses '{text}' is not an operation reference", "write owner/name@version, for example community/csv-clean@1.2.0");
        var (owner, name) = (m.Groups[1].Value, m.Groups[2].Value);
        if (!m.Groups[3].Success)
            return (null, $"uses '{text}' has no version", $"pin an exact version: {owner}/{name}@1.0.0");
        var version = m.Groups[3].Value;
        if (!IsExactVersion(version))
            return (null, $"version '{version}' of {owner}/{name} is not exact",
                "pin an exact version such as 1.2.0 or a 40-character commit SHA; ranges and 'latest' would make runs unreproducible");
        return (new OperationRef(owner, name, version), null, null);
    }
}
