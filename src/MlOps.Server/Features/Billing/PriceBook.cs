namespace MlOps.Server.Features.Billing;

public sealed record PriceRow(long Id, long? ClientId, string Resource, string GpuModel, decimal UnitPrice, DateOnly EffectiveFrom);

/// <summary>
/// Which price applies to a client's resource on a day: the client's own price for that GPU
/// model, else the client's price for every model, else the price list's for the model, else the
/// price list's for every model; in each, the one with the latest effective date on or before the
/// day. No price at all: the usage is shown at 0.
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
        var model = resource == Resource.Gpu ? detail : "";
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
}
