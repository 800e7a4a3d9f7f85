using System.Text.RegularExpressions;

namespace MlOps.Pipelines.Parsing;

internal static partial class Names
{
    /// <summary>Pipelines and steps: hyphens allowed, as in CI job names.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,62}$")]
    public static partial Regex StepName();

    /// <summary>Params, inputs and outputs: no hyphens, because they appear in templates and variable names.</summary>
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,62}$")]
    public static partial Regex Identifier();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    public static partial Regex EnvName();

    /// <summary>Upper-cased with hyphens as underscores: the form a name takes inside an environment variable.</summary>
    public static string ForEnv(string name) => name.Replace('-', '_').ToUpperInvariant();
}
