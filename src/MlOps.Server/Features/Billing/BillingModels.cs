namespace MlOps.Server.Features.Billing;

public sealed record PriceRequest(string? Resource, string? GpuModel, decimal? UnitPrice, DateOnly? EffectiveFrom, string? Client);

public sealed class PriceResponse
{
    public long Id { get; init; }
    /// <summary>Null for the price list; a client's path for its override.</summary>
    public string? Client { get; init; }
    public string Resource { get; init; } = "";
    public string GpuModel { get; init; } = "";
    public decimal UnitPrice { get; init; }
    public string Unit => Billing.Resource.All.TryGetValue(Resource, out var r) ? r.BilledUnit : "";
    public DateOnly EffectiveFrom { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedAt { get; init; }
}

/// <summary>PUT replaces every limit: an absent or null one is unlimited.</summary>
public sealed record QuotaRequest(decimal? GpuHoursPerMonth, int? ConcurrentJobs, int? ConcurrentGpus, long? StorageBytes);

public sealed record QuotaUse(decimal GpuHoursThisMonth, int RunningJobs, int RunningGpus, long StorageBytes,
    IReadOnlyDictionary<string, long> StorageByKind);

public sealed record QuotaResponse(string Client, decimal? GpuHoursPerMonth, int? ConcurrentJobs, int? ConcurrentGpus, long? StorageBytes,
    QuotaUse Used);

public sealed class QuotaEventResponse
{
    public long Id { get; init; }
    public string Quota { get; init; } = "";
    public int Threshold { get; init; }
    public DateOnly Period { get; init; }
    public decimal Used { get; init; }
    public decimal QuotaLimit { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// A correction: a new ledger entry (negative quantities take usage back), never an edit. The
/// key makes a retried request book once.
/// </summary>
public sealed record CorrectionRequest(string? Client, string? Key, string? Resource, string? Detail, decimal? Quantity, DateOnly? Day,
    string? Project, string? Pipeline, long? Corrects, string? Note);

public sealed class LedgerEntryResponse
{
    public long Id { get; init; }
    public string Source { get; init; } = "";
    public string Kind { get; init; } = "";
    public long? ProjectId { get; init; }
    public long? JobId { get; init; }
    public int? Attempt { get; init; }
    public long? UserId { get; init; }
    public string? Pipeline { get; init; }
    public string Resource { get; init; } = "";
    public string Detail { get; init; } = "";
    public decimal Quantity { get; init; }
    public string Unit => Billing.Resource.All.TryGetValue(Resource, out var r) ? r.LedgerUnit : "";
    public DateOnly Day { get; init; }
    public long? Corrects { get; init; }
    public string? Note { get; init; }
    public string RecordedBy { get; init; } = "";
    public DateTime RecordedAt { get; init; }

    /// <summary>What the runner measured, as it reported it.</summary>
    public System.Text.Json.JsonElement Measured => System.Text.Json.JsonDocument.Parse(MeasuredJson).RootElement;

    [System.Text.Json.Serialization.JsonIgnore]
    public string MeasuredJson { get; init; } = "{}";

    [System.Text.Json.Serialization.JsonIgnore]
    public long ClientId { get; init; }
}
