using System.Globalization;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Yaml;

namespace MlOps.Pipelines.Parsing;

internal static class ResourceParser
{
    private static readonly string[] Keys = ["gpus", "cpus", "memory", "timeout"];

    /// <summary>Longest a job may run; past it a forgotten loop bills a GPU for days.</summary>
    public const int MaxTimeoutSeconds = 72 * 3600;

    public static ResourceSpec Read(YNode node, NodeReader r, string where)
    {
        if (r.Mapping(node, $"resources of {where}") is not { } map) return ResourceSpec.None;
        r.AllowKeys(map, $"resources of {where}", Keys);
        int? gpus = null; string? model = null; double? cpus = null; long? memory = null; int? timeout = null;

        if (map.Get("gpus") is { } g)
        {
            var countNode = g;
            if (g is YMapping gm)
            {
                r.AllowKeys(gm, $"gpus of {where}", ["count", "model"]);
                model = gm.Get("model") is { } m ? r.String(m, $"gpu model of {where}") : null;
                countNode = gm.Get("count") ?? new YScalar(g.Line, g.Column, "1", true);
            }
            if (countNode is YScalar { IsPlain: true } s && int.TryParse(s.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= 64) gpus = n;
            else r.Errors.Add(countNode, $"gpus of {where} must be a whole number from 0 to 64, got {NodeReader.Describe(countNode)}");
        }
        if (map.Get("cpus") is { } c)
        {
            if (c is YScalar { IsPlain: true } s && double.TryParse(s.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1024) cpus = n;
            else r.Errors.Add(c, $"cpus of {where} must be a positive number, got {NodeReader.Describe(c)}", "for example cpus: 4 or cpus: 0.5");
        }
        if (map.Get("memory") is { } mem)
        {
            if (mem is YScalar s && Quantities.TryMemory(s.Value, out var bytes)) memory = bytes;
            else r.Errors.Add(mem, $"memory of {where} must be a size, got {NodeReader.Describe(mem)}", "for example 512Mi, 16Gi or 2G");
        }
        if (map.Get("timeout") is { } t)
        {
            if (t is YScalar s && Quantities.TryDuration(s.Value, out var secs) && secs <= MaxTimeoutSeconds) timeout = secs;
            else r.Errors.Add(t, $"timeout of {where} must be a duration up to 72h, got {NodeReader.Describe(t)}", "for example 90s, 30m, 2h or 1h30m");
        }
        return new ResourceSpec(gpus, model, cpus, memory, timeout);
    }
}
