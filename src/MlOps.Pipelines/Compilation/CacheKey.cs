using System.Security.Cryptography;
using System.Text;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// Builds a cache key from length-prefixed fields, so no two different ingredient lists encode
/// alike ("ab"+"c" vs "a"+"bc"), and hashes it with SHA-256.
/// </summary>
internal sealed class CacheKey
{
    private readonly StringBuilder _canonical = new("mlops-cache-v1\n");

    public CacheKey Add(string field, string value)
    {
        _canonical.Append(field.Length).Append(':').Append(field).Append(value.Length).Append(':').Append(value).Append('\n');
        return this;
    }

    public string Hash()
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(_canonical.ToString()));
        return "sha256:" + Convert.ToHexStringLower(bytes);
    }
}
