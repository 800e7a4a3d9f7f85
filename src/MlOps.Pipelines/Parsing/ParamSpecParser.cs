using System.Globalization;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>Reads <c>params:</c> declarations, used both by operation manifests and pipelines.</summary>
internal static class ParamSpecParser
{
    private static readonly string[] Keys = ["type", "default", "required", "min", "max", "values", "items", "description"];
    private static readonly string[] TypeNames = ["int", "float", "bool", "string", "enum", "list"];

    public static List<ParamSpec> ReadAll(YNode node, NodeReader r, string where)
    {
        var result = new List<ParamSpec>();
        if (r.Mapping(node, $"params of {where}") is not { } map) return result;
        foreach (var (key, value) in map.Entries)
        {
            if (!Names.Identifier().IsMatch(key.Value))
            {
                r.Errors.Add(key, $"param name '{key.Value}' is not valid", "use letters, digits and underscores, starting with a letter");
                continue;
            }
            if (Read(key, value, r) is { } spec) result.Add(spec);
        }
        return result;
    }

    private static ParamSpec? Read(YScalar key, YNode node, NodeReader r)
    {
        var name = key.Value;
        if (node is not YMapping map) return Shorthand(key, node, r);
        r.AllowKeys(map, $"param '{name}'", Keys);

        ParamType? type = null;
        if (map.Get("type") is { } typeNode && r.String(typeNode, $"type of param '{name}'") is { } t)
        {
            var at = Array.IndexOf(TypeNames, t);
            if (at < 0) r.Errors.Add(typeNode, $"unknown param type '{t}'", Diagnostics.Suggest.DidYouMeanOrList(t, TypeNames, "expected one of"));
            else type = (ParamType)at;
        }
        else if (map.Get("type") is null) r.Errors.Add(key, $"param '{name}' has no type", "add type: int, float, bool, string, enum or list");
        if (type is null) return null;

        var values = map.Get("values") is { } v ? r.StringList(v, $"values of param '{name}'") : [];
        if (type == ParamType.Enum && values.Count == 0) r.Errors.Add(key, $"enum param '{name}' has no values", "add values: [a, b]");
        if (type != ParamType.Enum && map.Get("values") is { } stray) r.Errors.Add(stray, $"values apply only to enum params, and '{name}' is {ParamValues.TypeName(type.Value)}");

        var itemType = ParamType.String;
        if (map.Get("items") is { } itemsNode)
        {
            var it = r.String(itemsNode, $"items of param '{name}'");
            var at = it is null ? -1 : Array.IndexOf(TypeNames, it);
            if (type != ParamType.List) r.Errors.Add(itemsNode, $"items applies only to list params");
            else if (at is < 0 or >= (int)ParamType.Enum) r.Errors.Add(itemsNode, $"items of param '{name}' must be int, float, bool or string");
            else itemType = (ParamType)at;
        }

        var min = Number(map.Get("min"), name, "min", type.Value, r);
        var max = Number(map.Get("max"), name, "max", type.Value, r);
        if (min > max) r.Errors.Add(map.Get("min")!, $"min of param '{name}' is greater than its max");

        var required = map.Get("required") is { } req && r.Bool(req, $"required of param '{name}'") == true;
        var description = map.Get("description") is { } d ? r.String(d, $"description of param '{name}'") : null;
        var spec = new ParamSpec(name, type.Value, null, required, min, max, values, itemType, description, key.Line, key.Column);
        if (map.Get("default") is { } def)
            spec = spec with { Default = ParamValues.Convert(def, spec, r.Errors, $"default of param '{name}'") };
        return spec;
    }

    private static double? Number(YNode? node, string name, string what, ParamType type, NodeReader r)
    {
        if (node is null) return null;
        if (type is not (ParamType.Int or ParamType.Float))
        {
            r.Errors.Add(node, $"{what} applies only to int and float params");
            return null;
        }
        if (node is YScalar { IsPlain: true } s && double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        r.Errors.Add(node, $"{what} of param '{name}' must be a number, got {NodeReader.Describe(node)}");
        return null;
    }

    /// <summary><c>epochs: 10</c> declares an int param with default 10; the type follows the YAML value.</summary>
    private static ParamSpec? Shorthand(YScalar key, YNode node, NodeReader r)
    {
        ParamType type;
        if (node is YSequence) type = ParamType.List;
        else if (node is YScalar { IsNull: false } s)
            type = !s.IsPlain ? ParamType.String
                : long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _) ? ParamType.Int
                : double.TryParse(s.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? ParamType.Float
                : NodeReader.TryBool(s.Value, out _) ? ParamType.Bool
                : ParamType.String;
        else
        {
            r.Errors.Add(node, $"param '{key.Value}' must be a mapping (type, default, ...) or a default value, got {NodeReader.Describe(node)}");
            return null;
        }
        var spec = new ParamSpec(key.Value, type, null, false, null, null, [], ParamType.String, null, key.Line, key.Column);
        return spec with { Default = ParamValues.Convert(node, spec, r.Errors, $"default of param '{key.Value}'") };
    }
}
