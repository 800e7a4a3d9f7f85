namespace MlOps.Server.Features.Usage;

public sealed class UsageOptions
{
    public const string Section = "Usage";

    /// <summary>
    /// LISTEN for final job usage and book it at once. Null: on wherever Hangfire's server runs
    /// (tests turn both off and ingest explicitly).
    /// </summary>
    public bool? IngestionListener { get; set; }

    /// <summary>How often the Prometheus totals are re-read from the rollups.</summary>
    public int MetricsRefreshSeconds { get; set; } = 30;

    /// <summary>An attempt that stopped reporting this long ago and will never be final (its job moved on) is booked as it stands.</summary>
    public int AbandonedAfterMinutes { get; set; } = 15;
}
