namespace MlOps.Pipelines.Model;

public enum ParamType { Int, Float, Bool, String, Enum, List }

/// <summary>A typed parameter, declared by an operation or at the top of a pipeline.</summary>
public sealed record ParamSpec(
    string Name,
    ParamType Type,
    ParamValue? Default,
    bool Required,
    double? Min,
    double? Max,
    IReadOnlyList<string> Values,
    ParamType ItemType,
    string? Description,
    int Line,
    int Column);

/// <summary>
/// A checked parameter value in its canonical text form: numbers in invariant culture, booleans as
/// true/false. A list holds one text per item; that is how it expands into arguments.
/// </summary>
public sealed record ParamValue(ParamType Type, string? Text, IReadOnlyList<string>? Items)
{
    public static ParamValue Scalar(ParamType type, string text) => new(type, text, null);
    public static ParamValue List(ParamType itemType, IReadOnlyList<string> items) => new(ParamType.List, null, items);

    /// <summary>The value as JSON-friendly object: long, double, bool, string or a list of strings.</summary>
    public object ToObject() => Type switch
    {
        ParamType.Int => long.Parse(Text!, System.Globalization.CultureInfo.InvariantCulture),
        ParamType.Float => double.Parse(Text!, System.Globalization.CultureInfo.InvariantCulture),
        ParamType.Bool => Text == "true",
        ParamType.List => Items!,
        _ => Text!,
    };

    public IReadOnlyList<string> AsArguments() => Items ?? [Text!];

    public override string ToString() => Items is null ? Text! : "[" + string.Join(",", Items) + "]";
}
