using System.Diagnostics.Metrics;
using Dapper;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Observability;
using Npgsql;

namespace MlOps.Server.Features.Usage;

/// <summary>
/// Usage totals on /metrics. The instruments are observable and read a cache that
/// <see cref="RefreshAsync"/> fills from the small rollup tables every few seconds, so a scrape
/// never queries the ledger. Every replica exports the same totals: aggregate with max(), not sum().
/// </summary>
public sealed class UsageMetrics : BackgroundService
{
    private readonly NpgsqlDataSource dataSource;
    private readonly IOptions<UsageOptions> options;
    private readonly ILogger<UsageMetrics> logger;
    private volatile Snapshot current = new([], [], []);

    private sealed record Total(string Client, string Resource, string Detail, double Quantity);

    private sealed record Snapshot(IReadOnlyList<Total> Totals, IReadOnlyList<Total> Stored, IReadOnlyList<Total> GpuThisMonth);

    public UsageMetrics(IMeterFactory meters, NpgsqlDataSource dataSource, IOptions<UsageOptions> options, ILogger<UsageMetrics> logger)
    {
        this.dataSource = dataSource;
        this.options = options;
        this.logger = logger;
        var meter = meters.Create(TelemetrySetup.MeterName);
        meter.CreateObservableCounter("mlops.usage.gpu_seconds", () => Measure(current.Totals, "gpu", "gpu_model"), "s",
            "GPU-seconds booked per client and GPU model");
        meter.CreateObservableCounter("mlops.usage.cpu_core_seconds", () => Measure(current.Totals, "cpu", null), "s",
            "CPU core-seconds booked per client");
        meter.CreateObservableCounter("mlops.usage.memory_gb_seconds", () => Measure(current.Totals, "memory", null), unit: null, description:
            "Memory GB-seconds booked per client");
        meter.CreateObservableGauge("mlops.usage.stored_bytes", () => Measure(current.Stored, "storage", "kind"), "By",
            "Bytes stored per client and kind at the latest daily snapshot");
        meter.CreateObservableGauge("mlops.usage.gpu_hours_this_month", () => Measure(current.GpuThisMonth, "gpu", null), unit: null, description:
            "GPU-hours booked per client in the current UTC month");
    }

    private static IEnumerable<Measurement<double>> Measure(IReadOnlyList<Total> totals, string resource, string? detailTag) =>
        totals.Where(t => t.Resource == resource).Select(t => detailTag is null
            ? new Measurement<double>(t.Quantity, new KeyValuePair<string, object?>("client", t.Client))
            : new Measurement<double>(t.Quantity, new KeyValuePair<string, object?>("client", t.Client),
                new KeyValuePair<string, object?>(detailTag, t.Detail)));

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var totals = await connection.QueryAsync<Total>(new CommandDefinition(
            """
            SELECT n.full_path AS client, t.resource, t.detail, sum(t.quantity)::float8 AS quantity
            FROM usage_totals t JOIN namespaces n ON n.id = t.client_id
            WHERE t.resource <> 'storage' GROUP BY 1, 2, 3
            """, cancellationToken: cancellationToken));
        var stored = await connection.QueryAsync<Total>(new CommandDefinition(
            """
            SELECT DISTINCT ON (d.client_id, d.detail) n.full_path AS client, d.resource, d.detail, d.quantity::float8 AS quantity
            FROM usage_daily d JOIN namespaces n ON n.id = d.client_id
            WHERE d.resource = 'storage' AND d.day >= (now() AT TIME ZONE 'UTC')::date - 2
            ORDER BY d.client_id, d.detail, d.day DESC
            """, cancellationToken: cancellationToken));
        var month = await connection.QueryAsync<Total>(new CommandDefinition(
            """
            SELECT n.full_path AS client, 'gpu' AS resource, '' AS detail, (sum(d.quantity) / 3600)::float8 AS quantity
            FROM usage_daily d JOIN namespaces n ON n.id = d.client_id
            WHERE d.resource = 'gpu' AND d.day >= date_trunc('month', now() AT TIME ZONE 'UTC')::date
            GROUP BY n.full_path
            """, cancellationToken: cancellationToken));
        current = new Snapshot(totals.AsList(), stored.AsList(), month.AsList());
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, options.Value.MetricsRefreshSeconds)));
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogWarning(e, "Could not refresh the usage metrics; keeping the last figures");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
