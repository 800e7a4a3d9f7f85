using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Secrets;

/// <summary>
/// Encrypts secrets kept in the database (GitLab access tokens, webhook secrets) with AES-256-GCM.
/// The master key is `Secrets:MasterKey` (env `MLOPS_SECRET_KEY`, 32 bytes in base64); without
/// one, a key is generated at start in `{data dir}/secret.key` with mode 0600. Losing the key
/// loses the secrets (links must be made again); a database dump alone reveals none of them.
/// </summary>
public sealed class SecretProtector
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly Lazy<byte[]> key;

    public SecretProtector(IOptions<SecretsOptions> options, IOptions<StorageOptions> storage)
    {
        key = new Lazy<byte[]>(() => LoadKey(options.Value.MasterKey, storage.Value.FullDataDir));
    }

    public static string KeyFile(string dataDir) => Path.Combine(dataDir, "secret.key");

    /// <summary>Loads the key now, making `secret.key` if it is missing (called at start).</summary>
    public void EnsureKey() => _ = key.Value;

    public byte[] Protect(string plaintext)
    {
        var plain = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[1 + NonceSize + TagSize + plain.Length];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Value, TagSize);
        aes.Encrypt(nonce, plain, output.AsSpan(1 + NonceSize + TagSize), output.AsSpan(1 + NonceSize, TagSize), [Version]);
        return output;
    }

    public string Unprotect(byte[] protectedBytes)
    {
        if (protectedBytes.Length < 1 + NonceSize + TagSize || protectedBytes[0] != Version)
        {
            throw new CryptographicException("Not a secret this server encrypted.");
        }
        var plain = new byte[protectedBytes.Length - 1 - NonceSize - TagSize];
        using var aes = new AesGcm(key.Value, TagSize);
        aes.Decrypt(protectedBytes.AsSpan(1, NonceSize), protectedBytes.AsSpan(1 + NonceSize + TagSize),
            protectedBytes.AsSpan(1 + NonceSize, TagSize), plain, [Version]);
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] LoadKey(string? configured, string dataDir)
    {
        // SecretsOptionsValidator has explained any malformed key at start; these throws are the backstop.
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return SecretsOptions.Decode(configured, out var why)
                ?? throw new InvalidOperationException($"MLOPS_SECRET_KEY {why}; {SecretsOptions.HowToMake}");
        }
        var path = KeyFile(dataDir);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(dataDir);
            var temp = path + "." + Guid.NewGuid().ToString("N");
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                // Readable by the server's account only, from the moment it exists.
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using (var file = new FileStream(temp, options))
            {
                file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));
            }
            try
            {
                // Never overwrite: if another replica won the race, its key is the one in use.
                File.Move(temp, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temp);
            }
        }
        return SecretsOptions.Decode(File.ReadAllText(path), out var fileWhy)
            ?? throw new InvalidOperationException($"{path} {fileWhy}; {SecretsOptions.HowToMake}");
    }
}
