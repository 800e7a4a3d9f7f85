using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Tests.Secrets;

public sealed class SecretProtectorTests : IDisposable
{
    private readonly string dataDir = Path.Combine(Path.GetTempPath(), "mlops-secrets-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(dataDir))
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private SecretProtector Create(string? masterKey = null) => new(
        Options.Create(new SecretsOptions { MasterKey = masterKey }), Options.Create(new StorageOptions { DataDir = dataDir }));

    [Fact]
    public void Protect_WithoutConfiguredKey_GeneratesAPrivateKeyFileAndRoundTrips()
    {
        var protector = Create();

        var cipher = protector.Protect("glpat-secret");

        Assert.Equal("glpat-secret", protector.Unprotect(cipher));
        Assert.Equal("glpat-secret", Create().Unprotect(cipher));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dataDir, "secret.key")));
        }
        Assert.NotEqual(cipher, protector.Protect("glpat-secret"));
    }

    [Fact]
    public void Unprotect_TamperedOrOtherKey_Throws()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var cipher = Create(key).Protect("glpat-secret");
        var tampered = (byte[])cipher.Clone();
        tampered[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => Create(key).Unprotect(tampered));
        Assert.ThrowsAny<CryptographicException>(() => Create(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Unprotect(cipher));
    }
}
