using MlOps.Server.Tests.RunnerJobs;

namespace MlOps.Server.Tests.Catalog;

/// <summary>
/// The catalog with real runners: short leases, the image-build listener, and finished usage
/// booked into the ledger as it arrives (so one-step runs show on the client's statement).
/// </summary>
public sealed class CatalogRunnerServer : RunnerServer
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Usage:IngestionListener"] = "true",
    };
}
