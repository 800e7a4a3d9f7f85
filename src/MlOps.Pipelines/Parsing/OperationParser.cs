using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

/// <summary>Reads and checks an <c>operation.yml</c>.</summary>
public static class OperationParser
{
    private static readonly string[] Keys =
        ["name", "kind", "description", "image", "build", "command", "params", "inputs", "outputs", "resources", "tags", "license"];
    private static readonly string[] Kinds = ["data-operation", "visualization", "algorithm"];

    public static OperationManifest? Parse(string content, ErrorSink errors, YamlLimits? limits = null) =>
        YamlTreeReader.Read(content, errors, limits) is { } root ? Read(root, errors) : null;

    internal static OperationManifest? Read(YNode root, ErrorSink errors)
    {
        var r = new NodeReader(errors);
        if (r.Mapping(root, "operation.yml") is not { } map) return null;
        r.AllowKeys(map, "operation.yml", Keys);

        var name = Required(map, "name", root, r);
        if (name is not null && !Names.StepName().IsMatch(name)) errors.Add(map.Get("name")!, $"operation name '{name}' is not valid", "use letters, digits, '-' and '_'");
        var kindText = Required(map, "kind", root, r);
        var kind = OperationKind.Algorithm;
        if (kindText is not null)
        {
            var at = Array.IndexOf(Kinds, kindText);
            if (at < 0) errors.Add(map.Get("kind")!, $"unknown kind '{kindText}'", Suggest.DidYouMeanOrList(kindText, Kinds, "expected one of"));
            else kind = (OperationKind)at;
        }
        var image = map.Get("image") is { } i ? r.String(i, "image") : null;
        var build = map.Get("build") is { } b ? r.String(b, "build") : null;
        if ((map.Get("image") is null) == (map.Get("build") is null))
            errors.Add(map, "an operation needs exactly one of image or build", "image: registry/name:tag, or build: Dockerfile");

        var command = new List<string>();
        if (map.Get("command") is not { } cmd) errors.Add(map, "operation has no command", "command: [python3, /op/run.py, --in, \"{{inputs.table}}\"]");
        else if (cmd is not YSequence) errors.Add(cmd, $"command must be a list of arguments, got {NodeReader.Describe(cmd)}", "a list keeps each value one argument; no shell parses it");
        else command = r.StringList(cmd, "command");

        var parameters = map.Get("params") is { } p ? ParamSpecParser.ReadAll(p, r, "the operation") : [];
        var inputs = map.Get("inputs") is { } ins ? Ports(ins, "inputs", r) : [];
        var outputs = map.Get("outputs") is { } outs ? Ports(outs, "outputs", r) : [];
        var resources = map.Get("resources") is { } res ? ResourceParser.Read(res, r, "the operation") : ResourceSpec.None;
        var tags = map.Get("tags") is { } t ? r.StringList(t, "tags") : [];
        var license = map.Get("license") is { } l ? r.String(l, "license") : null;
        var description = map.Get("description") is { } d ? r.String(d, "description") : null;

        var manifest = new OperationManifest(name ?? "", kind, description, image, build, command, parameters, inputs, outputs, resources, tags, license);
        if (map.Get("command") is YSequence seq) Compilation.CommandTemplate.Check(manifest, seq, errors);
        return errors.HasErrors ? null : manifest;
    }

    private static string? Required(YMapping map, string key, YNode root, NodeReader r)
    {
        if (map.Get(key) is { } node) return r.String(node, key);
        r.Errors.Add(root, $"operation has no {key}");
        return null;
    }

    private static List<DataPort> Ports(YNode node, string what, NodeReader r)
    {
        var result = new List<DataPort>();
        if (r.Mapping(node, what) is not { } map) return result;
        foreach (var (key, value) in map.Entries)
        {
            if (!Names.Identifier().IsMatch(key.Value)) r.Errors.Add(key, $"{what} name '{key.Value}' is not valid", "use letters, digits and underscores");
            if (r.Mapping(value, $"{what[..^1]} '{key.Value}'") is not { } pm) continue;
            r.AllowKeys(pm, $"{what[..^1]} '{key.Value}'", ["type", "required", "description"]);
            var type = pm.Get("type") is { } t ? r.String(t, "type") : "artifact";
            if (type is not null && !DataTypes.IsKnown(type))
                r.Errors.Add(pm.Get("type")!, $"unknown type '{type}' of {what[..^1]} '{key.Value}'", Suggest.DidYouMeanOrList(type, DataTypes.All.ToList(), "expected one of"));
            var required = pm.Get("required") is not { } req || r.Bool(req, "required") != false;
            var description = pm.Get("description") is { } d ? r.String(d, "description") : null;
            result.Add(new DataPort(key.Value, type ?? "artifact", required, description));
        }
        return result;
    }
}
