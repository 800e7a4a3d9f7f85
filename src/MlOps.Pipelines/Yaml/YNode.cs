namespace MlOps.Pipelines.Yaml;

/// <summary>
/// A YAML node with its position. Our own tree rather than YamlDotNet's representation model,
/// because it must refuse duplicate keys and count alias expansion as it is built.
/// </summary>
public abstract class YNode(int line, int column)
{
    public int Line { get; } = line;
    public int Column { get; } = column;

    /// <summary>Nodes in this subtree, aliases counted as if expanded; bounds every later walk.</summary>
    internal long Size { get; set; } = 1;

    public abstract string KindName { get; }
}

public sealed class YScalar(int line, int column, string value, bool plain) : YNode(line, column)
{
    public string Value { get; } = value;

    /// <summary>Unquoted; only plain scalars are read as numbers, booleans or null.</summary>
    public bool IsPlain { get; } = plain;

    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string KindName => "a scalar";
}

public sealed class YSequence(int line, int column) : YNode(line, column)
{
    public List<YNode> Items { get; } = [];
    public override string KindName => "a list";
}

public sealed class YMapping(int line, int column) : YNode(line, column)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = [];

    public override string KindName => "a mapping";

    /// <summary>Adds an entry; returns the earlier key when it is a duplicate (and adds nothing).</summary>
    internal YScalar? TryAdd(YScalar key, YNode value)
    {
        if (_index.TryGetValue(key.Value, out var at)) return Entries[at].Key;
        _index[key.Value] = Entries.Count;
        Entries.Add(new(key, value));
        return null;
    }

    public YNode? Get(string key) => _index.TryGetValue(key, out var at) ? Entries[at].Value : null;
}
