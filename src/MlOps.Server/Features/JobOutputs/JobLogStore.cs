using Dapper;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure;
using Npgsql;

namespace MlOps.Server.Features.JobOutputs;

/// <summary>The result of an append: written, or refused because the runner's offset is not where the log ends.</summary>
public sealed record LogAppend(bool Accepted, long Size);

/// <summary>
/// Job logs: one file per job that only grows, its length kept in job_logs. An append names the
/// offset it starts at; the job_logs row lock serialises appends, and an append at the wrong
/// offset is refused with the real length, so a retried request never writes a line twice.
/// </summary>
public sealed class JobLogStore(NpgsqlDataSource dataSource, IOptions<StorageOptions> storage)
{
    /// <summary>Largest log kept for one job; appends past it are refused.</summary>
    public const long MaxLogBytes = 256L * 1024 * 1024;

    public string PathOf(long jobId) => Path.Combine(storage.Value.FullDataDir, "job-logs", (jobId % 1000).ToString("D3"), $"{jobId}.log");

    public async Task<LogAppend> AppendAsync(long jobId, long offset, Stream body, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var size = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO job_logs (job_id, project_id, client_id) SELECT id, project_id, client_id FROM jobs WHERE id = @jobId
            ON CONFLICT (job_id) DO NOTHING;
            SELECT size_bytes FROM job_logs WHERE job_id = @jobId FOR UPDATE;
            """, new { jobId }, transaction, cancellationToken: cancellationToken));
        if (offset != size)
        {
            return new LogAppend(false, size);
        }
        var path = PathOf(jobId);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        long written;
        await using (var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite, 64 * 1024, useAsync: true))
        {
            // Bytes past the recorded size are from an append that failed before it was recorded: drop them.
            file.SetLength(size);
            file.Position = size;
            await CopyLimitedAsync(body, file, MaxLogBytes - size, cancellationToken);
            await file.FlushAsync(cancellationToken);
            written = file.Position - size;
        }
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE job_logs SET size_bytes = @newSize, updated_at = now() WHERE job_id = @jobId",
            new { jobId, newSize = size + written }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return new LogAppend(true, size + written);
    }

    public async Task<long> SizeAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT size_bytes FROM job_logs WHERE job_id = @jobId", new { jobId }, cancellationToken: cancellationToken)) ?? 0;
    }

    /// <summary>The recorded part of the log from <paramref name="offset"/> (never bytes of an append still in progress).</summary>
    public async Task<byte[]> ReadAsync(long jobId, long offset, long size, CancellationToken cancellationToken)
    {
        var path = PathOf(jobId);
        if (offset >= size || !File.Exists(path))
        {
            return [];
        }
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        file.Position = offset;
        var buffer = new byte[size - offset];
        await file.ReadExactlyAsync(buffer, cancellationToken);
        return buffer;
    }

    private static async Task CopyLimitedAsync(Stream from, Stream to, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await from.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += n;
            if (total > limit)
            {
                throw new BadHttpRequestException($"The job's log would pass its limit of {MaxLogBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            await to.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
        }
    }
}
