using MlOps.Server.Git;
using Npgsql;

namespace MlOps.Server.Features.Runs;

public sealed class PushProcessingOptions
{
    public const string Section = "Runs";

    /// <summary>Turn push events into runs in this process (every replica may; they share the work).</summary>
    public bool ProcessPushes { get; set; } = true;

    /// <summary>How often to look for events a missed notification left behind, and for unconfirmed pushes.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An unconfirmed push whose ref has not moved after this long was refused or died before git moved it.</summary>
    public TimeSpan IntentTimeout { get; set; } = TimeSpan.FromHours(6);

    public int MaxAttempts { get; set; } = 8;
}

/// <summary>
/// Claims unprocessed push events and creates their runs. Woken at once by NOTIFY
/// `mlops_push_events` (sent when an event is recorded), and by a periodic sweep that also
/// confirms pushes a crash left unconfirmed, so nothing waits for a poll and nothing is lost.
/// </summary>
public sealed class PushProcessor(NpgsqlDataSource dataSource, PushEventRepository events, PushRunCreator creator,
    EmbeddedGitBackend embedded, Microsoft.Extensions.Options.IOptions<PushProcessingOptions> options, TimeProvider clock,
    Infrastructure.Database.NotificationHub hub, Infrastructure.Database.DatabaseOutage outage, ILogger<PushProcessor> logger)
    : Infrastructure.Database.NotifiedLoop(hub, outage, logger, "mlops_push_events", options.Value.SweepInterval)
{
    private DateTimeOffset lastReconcile = DateTimeOffset.MinValue;

    protected override bool Enabled => options.Value.ProcessPushes;

    protected override string FailureMessage => "Push processing failed; retrying at the next sweep";

    protected override async Task PassAsync(CancellationToken stoppingToken)
    {
        // Intents are checked on the sweep's rhythm, not on every notification: each costs a ref lookup.
        if (clock.GetUtcNow() - lastReconcile >= options.Value.SweepInterval)
        {
            lastReconcile = clock.GetUtcNow();
            await ReconcileIntentsAsync(stoppingToken);
        }
        while (await ProcessOneAsync(stoppingToken))
        {
        }
    }

    /// <summary>Processes the oldest claimable event; false when there was none.</summary>
    public async Task<bool> ProcessOneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var e = await PushEventRepository.ClaimNextAsync(connection, transaction, cancellationToken);
        if (e is null)
        {
            return false;
        }
        try
        {
            var outcome = await creator.CreateAsync(connection, transaction, e, cancellationToken);
            await PushEventRepository.MarkProcessedAsync(connection, transaction, e.Id, outcome, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !Infrastructure.Database.DatabaseOutage.Matches(ex))
        {
            await transaction.RollbackAsync(CancellationToken.None);
            Logger.LogWarning(ex, "Push event {PushEventId} could not be processed (attempt {Attempt})", e.Id, e.Attempts + 1);
            await events.RecordFailureAsync(e.Id, ex.Message, options.Value.MaxAttempts, CancellationToken.None);
        }
        return true;
    }

    /// <summary>
    /// Confirms pushes whose server died between git moving the ref and the confirmation: the ref
    /// now points at the pushed commit. One still unmoved after the timeout never happened.
    /// </summary>
    private async Task ReconcileIntentsAsync(CancellationToken cancellationToken)
    {
        foreach (var intent in await events.IntentsAsync(cancellationToken))
        {
            var current = await CommitReader.RefTargetAsync(embedded.LocalPath(intent.ProjectId), intent.Ref);
            var moved = CommitReader.IsZero(intent.AfterSha) ? current is null : current == intent.AfterSha;
            if (moved)
            {
                Logger.LogWarning("Push event {PushEventId} was not confirmed by the server that took it; its ref did move", intent.Id);
                await events.ResolveIntentAsync(intent.Id, moved: true, cancellationToken);
            }
            else if (clock.GetUtcNow().UtcDateTime - intent.CreatedAt > options.Value.IntentTimeout)
            {
                await events.ResolveIntentAsync(intent.Id, moved: false, cancellationToken);
            }
        }
    }
}
