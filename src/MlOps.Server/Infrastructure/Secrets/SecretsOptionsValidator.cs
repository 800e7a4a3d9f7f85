using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Secrets;

/// <summary>
/// Checks the master key at start (ValidateOnStart), so that a malformed `MLOPS_SECRET_KEY` or a
/// damaged `secret.key` stops the server with one line saying what to do, instead of failing at
/// the first secret stored or read.
/// </summary>
public sealed class SecretsOptionsValidator(IOptions<StorageOptions> storage) : IValidateOptions<SecretsOptions>
{
    public ValidateOptionsResult Validate(string? name, SecretsOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.MasterKey))
        {
            return SecretsOptions.Decode(options.MasterKey, out var why) is null
                ? ValidateOptionsResult.Fail($"MLOPS_SECRET_KEY (Secrets:MasterKey) {why}: it must be 32 random bytes in base64; {SecretsOptions.HowToMake}")
                : ValidateOptionsResult.Success;
        }
        var path = SecretProtector.KeyFile(storage.Value.FullDataDir);
        if (File.Exists(path) && SecretsOptions.Decode(File.ReadAllText(path), out var fileWhy) is null)
        {
            return ValidateOptionsResult.Fail($"{path} {fileWhy}: restore it from a backup (secrets encrypted with the lost key "
                + $"must be entered again), or set MLOPS_SECRET_KEY; {SecretsOptions.HowToMake}");
        }
        return ValidateOptionsResult.Success;
    }
}
