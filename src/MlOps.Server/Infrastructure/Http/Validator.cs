namespace MlOps.Server.Infrastructure.Http;

/// <summary>Collects every field error of a request so the client learns them all at once.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public Validator Check(bool ok, string field, string message)
    {
        if (!ok)
        {
            Add(field, message);
        }
        return this;
    }

    public Validator Add(string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }
        list.Add(message);
        return this;
    }

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
