using System.Text;
using MlOps.Pipelines.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace MlOps.Pipelines.Yaml;

/// <summary>
/// Builds a <see cref="YNode"/> tree from YamlDotNet's event parser with an explicit stack (no
/// recursion), so depth, size and alias expansion are checked before they can cost anything.
/// </summary>
public static class YamlTreeReader
{
    private sealed class Frame(YNode node)
    {
        public YNode Node { get; } = node;
        public YScalar? PendingKey;
        public bool HaveKey;
        public string? Anchor;
    }

    public static YNode? Read(string content, ErrorSink errors, YamlLimits? limits = null)
    {
        limits ??= YamlLimits.Default;
        // Character count first: cheap, and a string over the byte limit in chars is over it in bytes too.
        if (content.Length > limits.MaxBytes || Encoding.UTF8.GetByteCount(content) > limits.MaxBytes)
        {
            errors.Add(1, 1, $"file is larger than {limits.MaxBytes} bytes", "split the pipelines across smaller definitions");
            return null;
        }
        try
        {
            return Build(new Parser(new StringReader(content)), errors, limits);
        }
        catch (YamlException ex)
        {
            errors.Add((int)ex.Start.Line, (int)ex.Start.Column, "invalid YAML: " + CleanMessage(ex.Message));
            return null;
        }
    }

    private static string CleanMessage(string message)
    {
        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (...): "; our error already carries the position.
        var at = message.IndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith('(') && at >= 0 ? message[(at + 3)..] : message;
    }

    private static YNode? Build(Parser parser, ErrorSink errors, YamlLimits limits)
    {
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        YNode? root = null;
        var documents = 0;
        long expanded = 0;

        while (parser.MoveNext())
        {
            var ev = parser.Current!;
            var line = (int)ev.Start.Line;
            var column = (int)ev.Start.Column;
            switch (ev)
            {
                case DocumentStart when ++documents > 1:
                    errors.Add(line, column, "a definition file holds one YAML document", "remove the '---' separator");
                    return null;
                case Scalar s:
                    var scalar = new YScalar(line, column, s.Value, s.Style == ScalarStyle.Plain);
                    Remember(anchors, s.Anchor, scalar);
                    if (!Count(ref expanded, 1, limits, errors, line, column)) return null;
                    if (!Attach(stack, scalar, errors, ref root)) return null;
                    break;
                case AnchorAlias alias:
                    if (!anchors.TryGetValue(alias.Value.Value, out var target))
                    {
                        errors.Add(line, column, $"alias '*{alias.Value.Value}' refers to no earlier anchor");
                        return null;
                    }
                    if (!Count(ref expanded, target.Size, limits, errors, line, column)) return null;
                    if (!Attach(stack, target, errors, ref root)) return null;
                    break;
                case MappingStart m:
                    if (!Open(stack, new YMapping(line, column), m.Anchor, limits, errors, ref expanded)) return null;
                    break;
                case SequenceStart q:
                    if (!Open(stack, new YSequence(line, column), q.Anchor, limits, errors, ref expanded)) return null;
                    break;
                case MappingEnd or SequenceEnd:
                    var frame = stack.Pop();
                    if (frame.Anchor is not null) anchors[frame.Anchor] = frame.Node;
                    if (!Attach(stack, frame.Node, errors, ref root)) return null;
                    break;
            }
        }
        if (root is null) errors.Add(1, 1, "the file is empty");
        return root;
    }

    private static bool Open(Stack<Frame> stack, YNode node, AnchorName anchor, YamlLimits limits, ErrorSink errors, ref long expanded)
    {
        if (stack.Count >= limits.MaxDepth)
        {
            errors.Add(node, $"nesting is deeper than {limits.MaxDepth} levels");
            return false;
        }
        stack.Push(new Frame(node) { Anchor = anchor.IsEmpty ? null : anchor.Value });
        return Count(ref expanded, 1, limits, errors, node.Line, node.Column);
    }

    private static void Remember(Dictionary<string, YNode> anchors, AnchorName anchor, YNode node)
    {
        if (!anchor.IsEmpty) anchors[anchor.Value] = node;
    }

    private static bool Count(ref long expanded, long nodes, YamlLimits limits, ErrorSink errors, int line, int column)
    {
        expanded += nodes;
        if (expanded <= limits.MaxExpandedNodes) return true;
        errors.Add(line, column, $"the document expands to more than {limits.MaxExpandedNodes} nodes",
            "aliases (*name) may repeat an anchor only a bounded number of times");
        return false;
    }

    private static bool Attach(Stack<Frame> stack, YNode node, ErrorSink errors, ref YNode? root)
    {
        if (stack.Count == 0)
        {
            root = node;
            return true;
        }
        var parent = stack.Peek();
        parent.Node.Size += node.Size;
        if (parent.Node is YSequence seq)
        {
            seq.Items.Add(node);
            return true;
        }
        var map = (YMapping)parent.Node;
        if (!parent.HaveKey)
        {
            parent.HaveKey = true;
            parent.PendingKey = node as YScalar;
            if (parent.PendingKey is null) errors.Add(node, "a mapping key must be a plain string, not " + node.KindName);
            return true;
        }
        parent.HaveKey = false;
        if (parent.PendingKey is { } key && map.TryAdd(key, node) is { } first)
            errors.Add(key, $"duplicate key '{key.Value}'", $"first defined at line {first.Line}");
        return true;
    }
}
