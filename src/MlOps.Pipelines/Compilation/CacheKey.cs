using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace MlOps.Pipelines.Compilation;

/// <summary>
/// Builds a cache key from length-prefixed fields, so no two different ingredient lists encode
/// alike ("ab"+"c" vs "a"+"bc"), and hashes it with SHA-256.
/// </summary>
internal sealed class CacheKey
{
    private readonly StringBuilder _canonical = new("mlops-cache-v1\n", 512);

    public CacheKey Add(string field, string value)
    {
        _canonical.Append(field.Length).Append(':').Append(field).Append(value.Length).Append(':').Append(value).Append('\n');
        return this;
    }

    public string Hash()
    {
        // Encode into a rented buffer: one job's key is hashed once, so the canonical text need not become a string.
        var chars = ArrayPool<char>.Shared.Rent(_canonical.Length);
        var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(_canonical.Length));
        try
        {
            _canonical.CopyTo(0, chars, _canonical.Length);
            var count = Encoding.UTF8.GetBytes(chars, 0, _canonical.Length, bytes, 0);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(bytes.AsSpan(0, count), hash);
            return "sha256:" + Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
