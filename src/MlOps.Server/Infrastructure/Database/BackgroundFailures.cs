namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// How background loops (LISTEN connections, sweeps) log a failure: an unreachable database is the
/// outage's business, reported once by <see cref="DatabaseOutage"/>, not once per loop per second.
/// </summary>
public static class BackgroundFailures
{
    public static void Log(ILogger logger, DatabaseOutage outage, Exception exception, string message)
    {
        if (DatabaseOutage.Matches(exception))
        {
            outage.Report(exception);
            logger.LogDebug(exception, "{Message} (database unavailable)", message);
            return;
        }
        logger.LogWarning(exception, "{Message}", message);
    }
}
