using System.Diagnostics;
using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// Knows whether PostgreSQL is away. While it is, every request that needs it answers 503 with
/// Retry-After (see ProblemExceptionHandler) and the log gets one line when the outage starts and
/// one when it ends, instead of a stack trace per request. Recovery needs no restart: the pool
/// opens fresh connections once the server answers; a probe notices that and says so.
/// </summary>
public sealed class DatabaseOutage(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<DatabaseOutage> logger)
{
    /// <summary>What clients are told to wait before trying again.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly Lock gate = new();
    private long? startedAt;

    public bool IsOngoing
    {
        get
        {
            lock (gate)
            {
                return startedAt is not null;
            }
        }
    }

    /// <summary>
    /// True when <paramref name="exception"/> means the database cannot be reached or is shutting
    /// down (not a query's own error: those stay what they are).
    /// </summary>
    public static bool Matches(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // admin/crash shutdown, starting up, too many connections, connection exceptions.
                case PostgresException pg:
                    return pg.SqlState is "57P01" or "57P02" or "57P03" or "53300" || pg.SqlState.StartsWith("08", StringComparison.Ordinal);
                // Npgsql marks socket, I/O and connect-timeout failures transient.
                case NpgsqlException { IsTransient: true }:
                    return true;
            }
        }
        return false;
    }

    /// <summary>Records a failure that <see cref="Matches"/>; the first of an outage is logged and starts the probe.</summary>
    public void Report(Exception exception)
    {
        lock (gate)
        {
            if (startedAt is not null)
            {
                return;
            }
            startedAt = Stopwatch.GetTimestamp();
        }
        var reason = exception.GetBaseException().Message;
        logger.LogWarning("The database is unavailable ({Reason}); answering 503 until it is back", reason);
        _ = Task.Run(ProbeUntilBackAsync);
    }

    private async Task ProbeUntilBackAsync()
    {
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), clock);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(timeout.Token);
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException)
            {
                continue;
            }
            catch (ObjectDisposedException)
            {
                // The server is shutting down.
                return;
            }
            long started;
            lock (gate)
            {
                started = startedAt!.Value;
                startedAt = null;
            }
            logger.LogInformation("The database is back after {Seconds:F0} s", Stopwatch.GetElapsedTime(started).TotalSeconds);
            return;
        }
    }
}
