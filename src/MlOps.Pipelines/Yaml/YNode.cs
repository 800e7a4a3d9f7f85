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
    // Most mappings are a handful of keys ({ table: x }); scanning those beats allocating an index,
    // which is built only once a mapping grows past this size (a pipeline's steps, for one).
    private const int ScanLimit = 8;
    private Dictionary<string, int>? _index;

    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = [];

    public override string KindName => "a mapping";

    /// <summary>Adds an entry; returns the earlier key when it is a duplicate (and adds nothing).</summary>
    internal YScalar? TryAdd(YScalar key, YNode value)
    {
        var at = IndexOf(key.Value);
        if (at >= 0) return Entries[at].Key;
        if (_index is not null) _index[key.Value] = Entries.Count;
        Entries.Add(new(key, value));
        if (_index is null && Entries.Count > ScanLimit)
        {
            _index = new Dictionary<string, int>(Entries.Count * 2, StringComparer.Ordinal);
            for (var i = 0; i < Entries.Count; i++) _index[Entries[i].Key.Value] = i;
        }
        return null;
    }

    public YNode? Get(string key) => IndexOf(key) is var at and >= 0 ? Entries[at].Value : null;

    private int IndexOf(string key)
    {
        if (_index is not null) return _index.TryGetValue(key, out var at) ? at : -1;
        for (var i = 0; i < Entries.Count; i++)
            if (string.Equals(Entries[i].Key.Value, key, StringComparison.Ordinal)) return i;
        return -1;
    }
}
