using System.Globalization;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>Checks a YAML value against a param's type and range and brings it to canonical text.</summary>
internal static class ParamValues
{
    public static string TypeName(ParamType type) => type switch
    {
        ParamType.Int => "an int", ParamType.Float => "a float", ParamType.Bool => "a bool",
        ParamType.String => "a string", ParamType.Enum => "one of the enum values", _ => "a list",
    };

    public static ParamValue? Convert(YNode node, ParamSpec spec, ErrorSink errors, string label)
    {
        if (spec.Type != ParamType.List) return ConvertScalar(node, spec.Type, spec, errors, label);
        if (node is not YSequence seq)
        {
            errors.Add(node, $"{label} must be a list, got {NodeReader.Describe(node)}");
            return null;
        }
        var items = new List<string>(seq.Items.Count);
        var ok = true;
        foreach (var item in seq.Items)
        {
            var v = ConvertScalar(item, spec.ItemType, spec, errors, $"each item of {label}");
            if (v is null) ok = false; else items.Add(v.Text!);
        }
        return ok ? ParamValue.List(spec.ItemType, items) : null;
    }

    private static ParamValue? ConvertScalar(YNode node, ParamType type, ParamSpec spec, ErrorSink errors, string label)
    {
        if (node is not YScalar { IsNull: false } s)
        {
            errors.Add(node, $"{label} must be {TypeName(type)}, got {NodeReader.Describe(node)}");
            return null;
        }
        var text = s.Value;
        switch (type)
        {
            case ParamType.Int when long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l):
                return InRange(l, spec, node, errors, label) ? ParamValue.Scalar(type, l.ToString(CultureInfo.InvariantCulture)) : null;
            case ParamType.Float when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d):
                return InRange(d, spec, node, errors, label) ? ParamValue.Scalar(type, d.ToString("R", CultureInfo.InvariantCulture)) : null;
            case ParamType.Bool when NodeReader.TryBool(text, out var b):
                return ParamValue.Scalar(type, b ? "true" : "false");
            case ParamType.String:
                return ParamValue.Scalar(type, text);
            case ParamType.Enum when spec.Values.Contains(text):
                return ParamValue.Scalar(type, text);
            case ParamType.Enum:
                errors.Add(node, $"{label} must be one of {string.Join(", ", spec.Values)}, got '{text}'", Suggest.DidYouMean(text, spec.Values));
                return null;
            default:
                errors.Add(node, $"{label} must be {TypeName(type)}, got '{text}'");
                return null;
        }
    }

    private static bool InRange(double value, ParamSpec spec, YNode node, ErrorSink errors, string label)
    {
        if (spec.Min is { } min && value < min)
        {
            errors.Add(node, $"{label} must be at least {Fmt(min)}, got {Fmt(value)}");
            return false;
        }
        if (spec.Max is { } max && value > max)
        {
            errors.Add(node, $"{label} must be at most {Fmt(max)}, got {Fmt(value)}");
            return false;
        }
        return true;
    }

    private static string Fmt(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
