using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.Secrets;

/// <summary>
/// Hands the runner protocol the values of the secrets a job names, decrypted only at the moment
/// a job is given to a runner. A named secret that is not set is simply absent (the job sees no
/// variable), as in GitLab.
/// </summary>
public sealed class SecretVault(SecretRepository secrets, SecretProtector protector)
{
    public async Task<IReadOnlyDictionary<string, string>> ResolveAsync(long projectId, IReadOnlyList<string> names,
        CancellationToken cancellationToken)
    {
        if (names.Count == 0)
        {
            return new Dictionary<string, string>();
        }
        var rows = await secrets.ForProjectAsync(projectId, names, cancellationToken);
        return rows.ToDictionary(r => r.Name, r => protector.Unprotect(r.Ciphertext), StringComparer.Ordinal);
    }
}
