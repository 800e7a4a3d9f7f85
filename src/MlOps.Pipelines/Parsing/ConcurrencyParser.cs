using System.Text.RegularExpressions;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>
/// <c>concurrency: &lt;group&gt;</c>, or <c>concurrency: { group: &lt;group&gt;, cancel_running: true }</c>.
/// A group may use the placeholders <c>${{ pipeline }}</c>, <c>${{ ref }}</c> and <c>${{ ref_name }}</c>.
/// </summary>
internal static partial class ConcurrencyParser
{
    public const int MaxGroupLength = 200;
    public static readonly string[] Placeholders = ["pipeline", "ref", "ref_name"];
    private const string Example = "concurrency: { group: \"deploy-${{ ref_name }}\", cancel_running: true }";

    [GeneratedRegex(@"\$\{\{(.*?)\}\}", RegexOptions.Singleline)]
    internal static partial Regex Placeholder();

    public static ConcurrencyDefinition? Read(YNode node, NodeReader r, string pipeline)
    {
        var where = $"concurrency of pipeline '{pipeline}'";
        if (node is YScalar { IsNull: false } shorthand)
            return Group(shorthand, r, where) is { } g ? new ConcurrencyDefinition(g, false, node.Line, node.Column) : null;
        if (node is not YMapping map)
        {
            r.Errors.Add(node, $"{where} must be a group name or a mapping, got {NodeReader.Describe(node)}", Example);
            return null;
        }
        r.AllowKeys(map, where, ["group", "cancel_running"]);
        string? group = null;
        var valid = true;
        if (map.Get("group") is { } groupNode)
        {
            group = groupNode is YScalar { IsNull: false } s ? Group(s, r, where) : null;
            if (group is null)
            {
                if (groupNode is not YScalar { IsNull: false }) r.Errors.Add(groupNode, $"group of {where} must be a string, got {NodeReader.Describe(groupNode)}");
                valid = false;
            }
        }
        var cancelRunning = false;
        if (map.Get("cancel_running") is { } cancelNode)
        {
            if (r.Bool(cancelNode, $"cancel_running of {where}") is { } b) cancelRunning = b;
            else valid = false;
        }
        if (map.Entries.Count == 0)
        {
            r.Errors.Add(node, $"{where} is empty", Example);
            valid = false;
        }
        return valid ? new ConcurrencyDefinition(group, cancelRunning, node.Line, node.Column) : null;
    }

    private static string? Group(YScalar node, NodeReader r, string where)
    {
        var group = node.Value;
        if (group.Trim().Length == 0)
        {
            r.Errors.Add(node, $"the group of {where} is empty", Example);
            return null;
        }
        if (group.Length > MaxGroupLength)
        {
            r.Errors.Add(node, $"the group of {where} is {group.Length} characters long; the limit is {MaxGroupLength}");
            return null;
        }
        var valid = true;
        foreach (Match m in Placeholder().Matches(group))
        {
            var name = m.Groups[1].Value.Trim();
            if (Placeholders.Contains(name)) continue;
            r.Errors.Add(node, $"unknown placeholder '{m.Value}' in the group of {where}",
                "a group may use ${{ pipeline }}, ${{ ref }} and ${{ ref_name }}");
            valid = false;
        }
        var rest = Placeholder().Replace(group, "");
        if (rest.Contains("${{", StringComparison.Ordinal))
        {
            r.Errors.Add(node, $"unclosed placeholder in the group of {where}", "write ${{ ref_name }}, with the closing braces");
            valid = false;
        }
        return valid ? group : null;
    }
}
