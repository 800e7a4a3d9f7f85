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

    /// <summary>Free text may hold any printable character and line breaks, but no other control characters.</summary>
    public Validator Text(string? value, string field, int maxLength)
    {
        if (value is null)
        {
            return this;
        }
        Check(value.Length <= maxLength, field, $"{field} must be at most {maxLength} characters.");
        return Check(!value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')), field, $"{field} must not contain control characters.");
    }

    public void ThrowIfAny()
    {
        if (errors.Count > 0)
        {
            throw new ValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
