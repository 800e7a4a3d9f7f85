namespace MlOps.Server.Features.Billing;

public sealed record PriceRow(long Id, long? ClientId, string Resource, string GpuModel, decimal UnitPrice, DateOnly EffectiveFrom);

/// <summary>
/// Which price applies to a client's resource on a day: the client's own price for that GPU
/// model, else the client's price for every model, else the price list's for the model, else the
/// price list's for every model; in each, the one with the latest effective date on or before the
/// day. No price at all: the usage is shown at 0. A GPU price's model names the GPU the way a
/// pipeline asks for it (`h100`) while usage records what nvidia-smi reported ("NVIDIA H100 80GB
/// HBM3"): they match by the runner's rule (<see cref="GpuModelMatches"/>), the most specific
/// price (most words) winning.
/// </summary>
public sealed class PriceBook
{
    private readonly Dictionary<(long?, string, string), PriceRow[]> byKey;

    public PriceBook(IEnumerable<PriceRow> prices)
    {
        byKey = prices.GroupBy(p => (p.ClientId, p.Resource, p.GpuModel))
            .ToDictionary(g => g.Key, g => g.OrderByDescending(p => p.EffectiveFrom).ToArray());
    }

    public PriceRow? Find(long clientId, string resource, string detail, DateOnly day)
    {
        var model = resource == Resource.Gpu ? PricedModel(clientId, detail) : "";
        foreach (var key in Candidates(clientId, resource, model))
        {
            if (byKey.TryGetValue(key, out var rows) && rows.FirstOrDefault(r => r.EffectiveFrom <= day) is { } price)
            {
                return price;
            }
        }
        return null;
    }

    private static IEnumerable<(long?, string, string)> Candidates(long clientId, string resource, string model)
    {
        if (model.Length > 0)
        {
            yield return (clientId, resource, model);
        }
        yield return (clientId, resource, "");
        if (model.Length > 0)
        {
            yield return (null, resource, model);
        }
        yield return (null, resource, "");
    }

    /// <summary>The GPU model key that prices <paramref name="device"/>: an exact key, else the most specific matching one.</summary>
    private string PricedModel(long clientId, string device)
    {
        var keys = byKey.Keys.Where(k => k.Item2 == Resource.Gpu && k.Item3.Length > 0 && (k.Item1 is null || k.Item1 == clientId))
            .Select(k => k.Item3).Distinct().ToArray();
        if (keys.Contains(device, StringComparer.Ordinal))
        {
            return device;
        }
        return keys.Where(k => GpuModelMatches(k, device)).OrderByDescending(k => Words(k).Length).FirstOrDefault() ?? device;
    }

    /// <summary>
    /// The runner's rule (SQL gpu_model_matches): the model's words appear in order among the
    /// device's words, "nvidia" ignored, and a MIG device only matches a model that names MIG.
    /// </summary>
    public static bool GpuModelMatches(string model, string device)
    {
        var want = Words(model);
        var have = Words(device);
        if (want.Contains("mig") != have.Contains("mig"))
        {
            return false;
        }
        var i = 0;
        foreach (var word in have)
        {
            if (i < want.Length && want[i] == word)
            {
                i++;
            }
        }
        return i == want.Length;
    }

    private static string[] Words(string text) =>
        System.Text.RegularExpressions.Regex.Split(text.ToLowerInvariant(), "[^a-z0-9.]+")
            .Where(w => w.Length > 0 && w != "nvidia").ToArray();
}
