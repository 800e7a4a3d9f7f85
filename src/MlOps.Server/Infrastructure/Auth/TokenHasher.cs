using System.Security.Cryptography;
using System.Text;

namespace MlOps.Server.Infrastructure.Auth;

public static class TokenHasher
{
    public const string PersonalTokenPrefix = "mlpat-";

    /// <summary>A new personal access token: 256 random bits, URL-safe, with a recognisable prefix
    /// so that secret scanners and people can tell what it is.</summary>
    public static string NewPersonalToken() => NewToken(PersonalTokenPrefix);

    /// <summary>256 random bits, URL-safe, after <paramref name="prefix"/>: personal and runner tokens alike.</summary>
    public static string NewToken(string prefix) => prefix + Base64UrlEncode(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The few characters shown in listings so a user can tell tokens apart.</summary>
    public static string DisplayPrefix(string token) => token.Length <= 10 ? token[..Math.Min(4, token.Length)] : token[..10];

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
