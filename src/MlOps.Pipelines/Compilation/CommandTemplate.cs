using System.Text.RegularExpressions;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// An operation's <c>command</c> is a list of arguments with <c>{{inputs.x}}</c>, <c>{{outputs.y}}</c>
/// and <c>{{params.z}}</c> placeholders. Each element renders into its own argument (a list param
/// into several), and the result is handed to exec directly: no shell ever parses a value, so a
/// value cannot inject a command.
/// </summary>
public static partial class CommandTemplate
{
    [GeneratedRegex(@"\{\{(.*?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\s*(inputs|outputs|params)\.([A-Za-z_][A-Za-z0-9_]*)\s*$")]
    private static partial Regex Reference();

    internal static void Check(OperationManifest manifest, YSequence command, ErrorSink errors)
    {
        if (command.Items.Count == 0) errors.Add(command, "command must not be empty");
        foreach (var item in command.Items)
        {
            if (item is not YScalar s) continue;
            foreach (Match m in Placeholder().Matches(s.Value))
            {
                var r = Reference().Match(m.Groups[1].Value);
                if (!r.Success)
                {
                    errors.Add(item, $"placeholder '{m.Value}' is not valid", "use {{inputs.<name>}}, {{outputs.<name>}} or {{params.<name>}}");
                    continue;
                }
                var (scope, name) = (r.Groups[1].Value, r.Groups[2].Value);
                var known = scope switch
                {
                    "inputs" => manifest.Inputs.Select(i => i.Name).ToList(),
                    "outputs" => manifest.Outputs.Select(o => o.Name).ToList(),
                    _ => manifest.Params.Select(p => p.Name).ToList(),
                };
                if (!known.Contains(name))
                    errors.Add(item, $"placeholder '{m.Value}' refers to no declared {scope[..^1]} '{name}'", Suggest.DidYouMeanOrList(name, known, $"declared {scope}"));
                else if (scope == "params" && manifest.FindParam(name)!.Type == ParamType.List && m.Value != s.Value)
                    errors.Add(item, $"list param '{name}' must be a whole argument, not part of '{s.Value}'", "a list expands into one argument per item");
            }
        }
    }

    /// <summary>Renders the arguments. A param with no value renders as no argument when it is the whole element.</summary>
    public static List<string> Render(
        IReadOnlyList<string> command,
        IReadOnlyDictionary<string, string> inputs,
        IReadOnlyDictionary<string, string> outputs,
        IReadOnlyDictionary<string, ParamValue> parameters) => Parse(command).Render(inputs, outputs, parameters);

    /// <summary>Splits every element at its placeholders; an unreadable placeholder renders as nothing.</summary>
    internal static ParsedCommand Parse(IReadOnlyList<string> command)
    {
        var elements = new List<ParsedCommand.Part[]>(command.Count);
        foreach (var element in command)
        {
            if (!element.Contains("{{", StringComparison.Ordinal)) { elements.Add([new(null, element)]); continue; }
            var parts = new List<ParsedCommand.Part>();
            var last = 0;
            foreach (Match m in Placeholder().Matches(element))
            {
                if (m.Index > last) parts.Add(new(null, element[last..m.Index]));
                var r = Reference().Match(m.Groups[1].Value);
                parts.Add(r.Success ? new(r.Groups[1].Value, r.Groups[2].Value) : new("invalid", ""));
                last = m.Index + m.Length;
            }
            if (last < element.Length || parts.Count == 0) parts.Add(new(null, element[last..]));
            elements.Add([.. parts]);
        }
        return new ParsedCommand(elements);
    }
}
