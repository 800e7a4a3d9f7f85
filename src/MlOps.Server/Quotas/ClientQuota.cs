namespace MlOps.Server.Quotas;

/// <summary>A client's limits; null means unlimited.</summary>
public sealed record ClientQuota(decimal? GpuHoursPerMonth, int? ConcurrentJobs, int? ConcurrentGpus, long? StorageBytes)
{
    public static readonly ClientQuota Unlimited = new(null, null, null, null);
}

/// <summary>The quotas that raise warnings, as named in `quota_events`.</summary>
public static class QuotaNames
{
    public const string GpuHours = "gpu_hours_per_month";
    public const string Storage = "storage_bytes";
}
