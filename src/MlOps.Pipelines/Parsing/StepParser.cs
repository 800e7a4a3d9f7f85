using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

internal static class StepParser
{
    private static readonly string[] Keys =
        ["uses", "image", "run", "description", "needs", "inputs", "params", "outputs", "resources", "env", "secrets", "cache", "tags", "network", "retry"];

    public static StepDefinition? Read(YScalar key, YNode node, NodeReader r)
    {
        var name = key.Value;
        var where = $"step '{name}'";
        if (!Names.StepName().IsMatch(name)) r.Errors.Add(key, $"step name '{name}' is not valid", "use letters, digits, '-' and '_', starting with a letter");
        if (r.Mapping(node, where) is not { } map) return null;
        r.AllowKeys(map, where, Keys);

        OperationRef? uses = null;
        var usesNode = map.Get("uses");
        if (usesNode is not null && r.String(usesNode, $"uses of {where}") is { } usesText)
        {
            var (parsed, error, hint) = OperationRefParser.Parse(usesText);
            if (error is not null) r.Errors.Add(usesNode, error, hint);
            uses = parsed;
        }
        var image = map.Get("image") is { } i ? r.String(i, $"image of {where}") : null;
        var runNode = map.Get("run");
        var run = runNode is not null ? r.String(runNode, $"run of {where}") : null;
        if (usesNode is not null && (map.Get("image") ?? runNode) is { } extra)
            r.Errors.Add(extra, $"{where} has both uses and an inline image/run", "a step either uses an operation or runs a script in an image");
        else if (usesNode is null && (map.Get("image") is null || runNode is null))
            r.Errors.Add(key, $"{where} needs either uses or both image and run",
                map.Get("image") is null && runNode is null ? "uses: owner/name@1.0.0, or image: python:3.12-slim with run: <script>"
                : map.Get("image") is null ? "add image: <container image> for the run script" : "add run: <script> to execute in the image");

        var needs = new List<(string, int, int)>();
        if (map.Get("needs") is { } needsNode)
        {
            var items = needsNode is YSequence seq ? seq.Items : [needsNode];
            foreach (var item in items)
                if (r.String(item, $"each item of needs of {where}") is { } n) needs.Add((n, item.Line, item.Column));
        }

        var inputs = new Dictionary<string, InputSource>(StringComparer.Ordinal);
        if (map.Get("inputs") is { } insNode && r.Mapping(insNode, $"inputs of {where}") is { } ins)
            foreach (var (inKey, inValue) in ins.Entries)
            {
                if (!Names.Identifier().IsMatch(inKey.Value)) r.Errors.Add(inKey, $"input name '{inKey.Value}' is not valid", "use letters, digits and underscores");
                else if (InputParser.Read(inValue, r, $"input '{inKey.Value}' of {where}") is { } src) inputs[inKey.Value] = src;
            }

        var parameters = new List<StepParam>();
        if (map.Get("params") is { } psNode && r.Mapping(psNode, $"params of {where}") is { } ps)
        {
            if (usesNode is null) r.Errors.Add(psNode, $"params apply to operation steps, and {where} is inline", "an inline script reads pipeline params as ${{ params.<name> }}");
            foreach (var (pKey, pValue) in ps.Entries)
                parameters.Add(ReadParam(pKey, pValue, r));
        }

        var outputs = new List<StepOutput>();
        if (map.Get("outputs") is { } outsNode && r.Mapping(outsNode, $"outputs of {where}") is { } outs)
        {
            if (usesNode is not null) r.Errors.Add(outsNode, $"outputs of {where} come from its operation's manifest", "declare outputs only on inline steps");
            foreach (var (oKey, oValue) in outs.Entries)
                if (ReadOutput(oKey, oValue, r, where) is { } o) outputs.Add(o);
        }

        var resources = map.Get("resources") is { } res ? ResourceParser.Read(res, r, where) : ResourceSpec.None;
        var env = map.Get("env") is { } e ? EnvParser.ReadEnv(e, r, where) : new Dictionary<string, string>();
        var secrets = map.Get("secrets") is { } s ? EnvParser.ReadSecrets(s, r, where) : [];
        var cache = map.Get("cache") is not { } c || r.Bool(c, $"cache of {where}") != false;
        var tagsNode = map.Get("tags");
        var tags = tagsNode is not null ? r.StringList(tagsNode, $"tags of {where}") : [];
        foreach (var (tag, tagNode) in tags.Zip(tagsNode is YSequence ts ? ts.Items : tagsNode is null ? [] : [tagsNode]))
            if (tag.Length is 0 or > 64 || tag.Any(char.IsWhiteSpace)) r.Errors.Add(tagNode, $"runner tag '{tag}' of {where} is not valid", "1 to 64 characters, no spaces");
        var network = "none";
        if (map.Get("network") is { } netNode && r.String(netNode, $"network of {where}") is { } net)
        {
            if (net is "none" or "bridge") network = net;
            else r.Errors.Add(netNode, $"network of {where} must be none or bridge, got '{net}'", "jobs have no network unless they ask for bridge (and the runner allows it)");
        }
        var (retry, retryWhen) = map.Get("retry") is { } retryNode
            ? RetryParser.Read(retryNode, r, where) : (StepDefinition.DefaultRetry, StepDefinition.DefaultRetryWhen);

        return new StepDefinition(name, key.Line, key.Column, uses, usesNode?.Line ?? key.Line, usesNode?.Column ?? key.Column,
            image, run, needs, inputs, parameters, outputs, resources, env, secrets, cache)
        {
            RunLine = runNode?.Line ?? 0, RunColumn = runNode?.Column ?? 0, UsesInvalid = usesNode is not null && uses is null,
            Tags = tags, Network = network, Retry = retry, RetryWhen = retryWhen,
        };
    }

    private static StepParam ReadParam(YScalar key, YNode value, NodeReader r)
    {
        if (value is YScalar s && Expressions.Contains(s.Value))
        {
            if (Expressions.Whole(s.Value) is { Scope: "params" } e) return new StepParam(key.Value, value, e.Name);
            r.Errors.Add(value, $"param '{key.Value}' may reference a pipeline param only as its whole value", "write param: ${{ params.<name> }}");
        }
        return new StepParam(key.Value, value, null);
    }

    private static StepOutput? ReadOutput(YScalar key, YNode value, NodeReader r, string where)
    {
        if (!Names.Identifier().IsMatch(key.Value))
        {
            r.Errors.Add(key, $"output name '{key.Value}' is not valid", "use letters, digits and underscores");
            return null;
        }
        if (value is YScalar { IsNull: false } shortPath)
            return InputParser.CheckPath(shortPath, r, $"output '{key.Value}' of {where}")
                ? new StepOutput(key.Value, "artifact", shortPath.Value, key.Line, key.Column) : null;
        if (value is YScalar { IsNull: true }) return new StepOutput(key.Value, "artifact", null, key.Line, key.Column);
        if (r.Mapping(value, $"output '{key.Value}' of {where}") is not { } map) return null;
        r.AllowKeys(map, $"output '{key.Value}' of {where}", ["type", "path", "description"]);
        var type = map.Get("type") is { } t ? r.String(t, "type") ?? "artifact" : "artifact";
        if (!DataTypes.IsKnown(type))
            r.Errors.Add(map.Get("type")!, $"unknown type '{type}' of output '{key.Value}'", Diagnostics.Suggest.DidYouMeanOrList(type, DataTypes.All.ToList(), "expected one of"));
        string? path = null;
        if (map.Get("path") is YScalar p && InputParser.CheckPath(p, r, $"output '{key.Value}' of {where}")) path = p.Value;
        return new StepOutput(key.Value, type, path, key.Line, key.Column);
    }
}
