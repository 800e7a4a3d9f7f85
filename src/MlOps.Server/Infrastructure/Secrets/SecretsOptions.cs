namespace MlOps.Server.Infrastructure.Secrets;

/// <summary>The master key for secrets stored encrypted (`Secrets:MasterKey`, env `MLOPS_SECRET_KEY`).</summary>
public sealed class SecretsOptions
{
    public const string Section = "Secrets";

    /// <summary>32 bytes in base64; unset means `{data dir}/secret.key`, made at start when missing.</summary>
    public string? MasterKey { get; set; }

    public const string HowToMake = "make one with: openssl rand -base64 32";

    /// <summary>The key's 32 bytes, or why the text is not one (without repeating the text: it is a secret).</summary>
    public static byte[]? Decode(string text, out string? why)
    {
        why = null;
        var bytes = new byte[text.Length];
        if (!Convert.TryFromBase64String(text.Trim(), bytes, out var length))
        {
            why = "is not base64";
            return null;
        }
        if (length != 32)
        {
            why = $"decodes to {length} bytes, not 32";
            return null;
        }
        return bytes[..32];
    }
}
