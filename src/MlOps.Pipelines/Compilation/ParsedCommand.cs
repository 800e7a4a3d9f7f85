using System.Text;
using MlOps.Pipelines.Model;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// An operation's command split once into literal text and placeholders, so rendering a thousand
/// jobs of the same operation runs no regular expression per job.
/// </summary>
internal sealed class ParsedCommand
{
    /// <summary>A piece of one argument: literal text when <see cref="Scope"/> is null, otherwise a placeholder.</summary>
    internal readonly record struct Part(string? Scope, string Text);

    private readonly List<Part[]> _elements;

    internal ParsedCommand(List<Part[]> elements) => _elements = elements;

    public List<string> Render(
        IReadOnlyDictionary<string, string> inputs,
        IReadOnlyDictionary<string, string> outputs,
        IReadOnlyDictionary<string, ParamValue> parameters)
    {
        var argv = new List<string>(_elements.Count);
        foreach (var parts in _elements)
        {
            if (parts is [{ Scope: null } literal]) { argv.Add(literal.Text); continue; }
            // A param that is the whole argument may expand to several arguments, or to none when unset.
            if (parts is [{ Scope: "params" } whole])
            {
                if (parameters.TryGetValue(whole.Text, out var v)) argv.AddRange(v.AsArguments());
                continue;
            }
            var sb = new StringBuilder();
            foreach (var part in parts)
                sb.Append(part.Scope switch
                {
                    null => part.Text,
                    "inputs" => inputs.GetValueOrDefault(part.Text, ""),
                    "outputs" => outputs.GetValueOrDefault(part.Text, ""),
                    "params" => parameters.TryGetValue(part.Text, out var pv) ? pv.ToString() : "",
                    _ => "",
                });
            argv.Add(sb.ToString());
        }
        return argv;
    }
}
