namespace MlOps.Server.Features.Billing;

/// <summary>What the ledger measures, in which unit, and what a price is per.</summary>
public sealed record Resource(string Name, string LedgerUnit, string BilledUnit)
{
    public const string Gpu = "gpu";
    public const string Cpu = "cpu";
    public const string Memory = "memory";
    public const string Storage = "storage";

    private const decimal BytesPerGb = 1_000_000_000m;

    public static readonly IReadOnlyDictionary<string, Resource> All = new Dictionary<string, Resource>(StringComparer.Ordinal)
    {
        [Gpu] = new(Gpu, "GPU-second", "GPU-hour"),
        [Cpu] = new(Cpu, "core-second", "core-hour"),
        [Memory] = new(Memory, "GB-second", "GB-hour"),
        [Storage] = new(Storage, "byte-day", "GB-month"),
    };

    public static readonly string[] StorageKinds = ["repository", "lfs", "artifacts", "logs"];

    /// <summary>
    /// A day's ledger quantity in billed units. Storage: bytes held on a day are that many bytes
    /// for 1/(days in its month) of a month, so a constant 1 GB for a whole month is 1 GB-month.
    /// </summary>
    public decimal ToBilled(decimal quantity, DateOnly day) => Name == Storage
        ? quantity / BytesPerGb / DateTime.DaysInMonth(day.Year, day.Month)
        : quantity / 3600m;
}
