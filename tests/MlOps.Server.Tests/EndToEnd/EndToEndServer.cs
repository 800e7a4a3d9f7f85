using MlOps.Server.Tests.Git;
using MlOps.Server.Tests.RunnerJobs;

namespace MlOps.Server.Tests.EndToEnd;

/// <summary>
/// Everything at once, as `scripts/run.sh` runs it: pushes processed into runs, runners claiming
/// with short leases, and finished usage booked into the ledger as it arrives.
/// </summary>
public sealed class EndToEndServer : RunnerServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Usage:IngestionListener"] = "true",
    };

    /// <summary>A working copy of a fresh project with <paramref name="definition"/> committed, ready to push.</summary>
    public async Task<(string Repository, GitCli Git)> CloneWithDefinitionAsync(string definition)
    {
        var repository = await ArrangeAsync();
        var git = new GitCli();
        await git.InitAsync("w");
        await git.OkAsync("w", "remote", "add", "origin", Url(repository, Maintainer));
        await git.CommitAsync("w", "mlops.yml", definition, "pipeline");
        return (repository, git);
    }
}
