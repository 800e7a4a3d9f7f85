using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

/// <summary>
/// The process's one LISTEN connection. PostgreSQL wakes every listening session at each NOTIFY
/// anywhere in the database, whatever its channel, so one session per channel cost a backend
/// wake-up per channel per notification (at webhook ingest, most of the database's CPU). Here
/// every channel is LISTENed on one session, outside the pool, and each notification is handed to
/// the subscribers of its channel on the hub's loop (their callbacks must be quick).
/// Each subscriber is also told when its LISTEN starts (after every reconnection: whatever was sent
/// meanwhile was missed, so it should look once) and when the connection is lost.
/// </summary>
public sealed partial class NotificationHub(IOptions<DatabaseOptions> database, DatabaseOutage outage, ILogger<NotificationHub> logger)
    : BackgroundService
{
    /// <summary>How soon a channel subscribed while connected is LISTENed to.</summary>
    private static readonly TimeSpan SubscribePickup = TimeSpan.FromMilliseconds(250);

    private sealed record Subscription(string Channel, Action OnNotification, Action<bool> OnListening);

    private readonly Lock gate = new();
    private readonly List<Subscription> all = [];
    private volatile Subscription[] listening = [];

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex ChannelName();

    /// <summary>
    /// <paramref name="onNotification"/> runs at every NOTIFY on <paramref name="channel"/>;
    /// <paramref name="onListening"/> with true once the LISTEN is in place (again after each
    /// reconnection), with false when the connection is lost or the hub stops.
    /// </summary>
    public void Subscribe(string channel, Action onNotification, Action<bool>? onListening = null)
    {
        if (!ChannelName().IsMatch(channel))
        {
            throw new ArgumentException($"'{channel}' is not a plain channel name.", nameof(channel));
        }
        lock (gate)
        {
            all.Add(new Subscription(channel, onNotification, onListening ?? (_ => { })));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ListenAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    Lost();
                    BackgroundFailures.Log(logger, outage, e, "Listening for database notifications failed; reconnecting");
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, CancellationToken.None);
                }
            }
        }
        finally
        {
            Lost();
        }
    }

    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        // Not from the pool: a LISTEN belongs to one session for as long as it lives.
        var builder = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString) { Pooling = false, KeepAlive = 30 };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, e) => Dispatch(e.Channel);
        var channels = new HashSet<string>(StringComparer.Ordinal);
        while (!stoppingToken.IsCancellationRequested)
        {
            Subscription[] fresh;
            lock (gate)
            {
                fresh = all.Skip(listening.Length).ToArray();
            }
            if (fresh.Length > 0)
            {
                foreach (var channel in fresh.Select(s => s.Channel).Where(channels.Add))
                {
                    await using var listen = new NpgsqlCommand($"LISTEN {channel}", connection);
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                listening = [.. listening, .. fresh];
                foreach (var subscription in fresh)
                {
                    subscription.OnListening(true);
                }
            }
            await connection.WaitAsync(SubscribePickup, stoppingToken);
        }
    }

    private void Dispatch(string channel)
    {
        foreach (var subscription in listening)
        {
            if (subscription.Channel == channel)
            {
                subscription.OnNotification();
            }
        }
    }

    private void Lost()
    {
        var was = listening;
        listening = [];
        foreach (var subscription in was)
        {
            subscription.OnListening(false);
        }
    }
}
