using Dapper;
using MlOps.Contracts.Runner;
using Npgsql;

namespace MlOps.Server.Features.Runners.Jobs;

/// <summary>Writes a usage report (cumulative for the attempt) into job_usage and job_gpu_usage; a final row is never changed again.</summary>
internal static class UsageWriter
{
    public static async Task WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, long jobId, int attempt,
        JobUsageReport? usage, bool final, CancellationToken cancellationToken)
    {
        var u = usage ?? new JobUsageReport(0, 0, 0, 0, 0, 0, 0, 0, 0);
        // Figures only grow within an attempt: GREATEST keeps a late, reordered heartbeat from lowering them.
        var written = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO job_usage AS x (job_id, attempt, wall_seconds, cpu_core_seconds, memory_peak_bytes, memory_gb_seconds,
                disk_read_bytes, disk_write_bytes, network_rx_bytes, network_tx_bytes, artifact_bytes, final, finished_at, reported_at)
            VALUES (@jobId, @attempt, @WallSeconds, @CpuCoreSeconds, @MemoryPeakBytes, @MemoryGbSeconds, @DiskReadBytes,
                @DiskWriteBytes, @NetworkRxBytes, @NetworkTxBytes, @ArtifactBytes, @final, CASE WHEN @final THEN now() END, now())
            ON CONFLICT (job_id, attempt) DO UPDATE SET
                wall_seconds = GREATEST(x.wall_seconds, EXCLUDED.wall_seconds),
                cpu_core_seconds = GREATEST(x.cpu_core_seconds, EXCLUDED.cpu_core_seconds),
                memory_peak_bytes = GREATEST(x.memory_peak_bytes, EXCLUDED.memory_peak_bytes),
                memory_gb_seconds = GREATEST(x.memory_gb_seconds, EXCLUDED.memory_gb_seconds),
                disk_read_bytes = GREATEST(x.disk_read_bytes, EXCLUDED.disk_read_bytes),
                disk_write_bytes = GREATEST(x.disk_write_bytes, EXCLUDED.disk_write_bytes),
                network_rx_bytes = GREATEST(x.network_rx_bytes, EXCLUDED.network_rx_bytes),
                network_tx_bytes = GREATEST(x.network_tx_bytes, EXCLUDED.network_tx_bytes),
                artifact_bytes = GREATEST(x.artifact_bytes, EXCLUDED.artifact_bytes),
                final = EXCLUDED.final, finished_at = EXCLUDED.finished_at, reported_at = now()
            WHERE NOT x.final
            """,
            new
            {
                jobId, attempt, u.WallSeconds, u.CpuCoreSeconds, u.MemoryPeakBytes, u.MemoryGbSeconds, u.DiskReadBytes, u.DiskWriteBytes,
                u.NetworkRxBytes, u.NetworkTxBytes, u.ArtifactBytes, final,
            }, transaction, cancellationToken: cancellationToken));
        if (written == 0)
        {
            return;
        }
        foreach (var gpu in u.Gpus ?? [])
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO job_gpu_usage AS g (job_id, attempt, gpu_uuid, gpu_model, gpu_seconds, avg_utilization, peak_memory_bytes)
                VALUES (@jobId, @attempt, @Uuid, @Model, @GpuSeconds, @AvgUtilization, @PeakMemoryBytes)
                ON CONFLICT (job_id, attempt, gpu_uuid) DO UPDATE SET gpu_seconds = GREATEST(g.gpu_seconds, EXCLUDED.gpu_seconds),
                    avg_utilization = EXCLUDED.avg_utilization, peak_memory_bytes = GREATEST(g.peak_memory_bytes, EXCLUDED.peak_memory_bytes)
                """, new { jobId, attempt, gpu.Uuid, gpu.Model, gpu.GpuSeconds, gpu.AvgUtilization, gpu.PeakMemoryBytes },
                transaction, cancellationToken: cancellationToken));
        }
    }
}
