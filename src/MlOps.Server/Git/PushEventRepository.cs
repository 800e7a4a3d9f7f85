using System.Data.Common;
using Dapper;
using Npgsql;

namespace MlOps.Server.Git;

/// <summary>A ref that a push moved. `before` is all zeros for a new ref, `after` for a deleted one.</summary>
public sealed record PushEvent(long ProjectId, string Source, string Ref, string Before, string After, long? PusherId,
    string PusherUsername)
{
    /// <summary>The pusher's e-mail as the Git host reports it: a webhook push is credited to the account with that address.</summary>
    public string? PusherEmail { get; init; }
}

public sealed class PushEventRow
{
    public long Id { get; init; }
    public long ProjectId { get; init; }
    public string Source { get; init; } = "";
    public string Ref { get; init; } = "";
    public string BeforeSha { get; init; } = "";
    public string AfterSha { get; init; } = "";
    public long? PusherId { get; init; }
    public string PusherUsername { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public int Attempts { get; init; }
    public long? DeliveryId { get; init; }
    public string Kind { get; init; } = "push";
    public string? TargetBranch { get; init; }
}

/// <summary>What a webhook delivery adds to a push event: its delivery, and for a merge request its target branch.</summary>
public sealed record WebhookPushEvent(PushEvent Event, long DeliveryId, string Kind = "push", string? TargetBranch = null);

/// <summary>
/// The durable record of pushes that the push processor (Features/Runs) turns into runs. The
/// embedded Git server and the GitLab/GitHub webhooks all write here; each insert NOTIFYs
/// `mlops_push_events` so that processing starts at once rather than at the next sweep.
/// </summary>
public sealed class PushEventRepository(NpgsqlDataSource dataSource)
{
    public async Task InsertAsync(IReadOnlyCollection<PushEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var e in events)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO push_events (project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username)
                VALUES (@ProjectId, @Source, @Ref, @Before, @After, @PusherId, @PusherUsername)
                """, e, transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_notify('mlops_push_events', @ProjectId::text)",
            new { events.First().ProjectId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>
    /// Records the refs a push is about to move, before receive-pack runs: if the server dies after
    /// git moved them, the push processor finds these intents and confirms those whose ref did move.
    /// </summary>
    public async Task<IReadOnlyList<long>> RecordIntentsAsync(IReadOnlyCollection<PushEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var ids = await connection.QueryAsync<long>(new CommandDefinition(
            """
            INSERT INTO push_events (project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username, state)
            SELECT @ProjectId, @Source, r, b, a, @PusherId, @PusherUsername, 'intent'
            FROM unnest(@Refs, @Befores, @Afters) WITH ORDINALITY AS u(r, b, a, n) ORDER BY n
            RETURNING id
            """, new
            {
                events.First().ProjectId, events.First().Source, events.First().PusherId, events.First().PusherUsername,
                Refs = events.Select(e => e.Ref).ToArray(), Befores = events.Select(e => e.Before).ToArray(),
                Afters = events.Select(e => e.After).ToArray(),
            }, cancellationToken: cancellationToken));
        return ids.AsList();
    }

    /// <summary>
    /// After receive-pack: the intents whose ref git reported moved become push events (and wake the
    /// push processor); the others are dropped.
    /// </summary>
    public async Task ConfirmAsync(IReadOnlyList<long> intents, IReadOnlyList<long> accepted, CancellationToken cancellationToken)
    {
        if (intents.Count == 0)
        {
            return;
        }
        PushFaults.BeforeConfirm();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            WITH confirmed AS (
                UPDATE push_events SET state = 'recorded', created_at = now()
                WHERE id = ANY (@accepted) AND state = 'intent' RETURNING project_id)
            SELECT pg_notify('mlops_push_events', project_id::text) FROM confirmed LIMIT 1;
            DELETE FROM push_events WHERE id = ANY (@refused) AND state = 'intent';
            """, new { accepted = accepted.ToArray(), refused = intents.Except(accepted).ToArray() },
            cancellationToken: cancellationToken));
    }

    private const string Columns =
        "id, project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username, created_at, attempts, delivery_id, kind, target_branch";

    /// <summary>
    /// Claims the oldest unprocessed push event in the caller's transaction; other processes skip
    /// it until that transaction ends, so each event is handled by one process at a time.
    /// </summary>
    public static Task<PushEventRow?> ClaimNextAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) =>
        connection.QuerySingleOrDefaultAsync<PushEventRow>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM push_events
            WHERE processed_at IS NULL AND state = 'recorded' AND (retry_after IS NULL OR retry_after <= now())
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
            """, transaction: transaction, cancellationToken: cancellationToken));

    public static Task MarkProcessedAsync(DbConnection connection, DbTransaction transaction, long id, string outcome,
        CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            "UPDATE push_events SET processed_at = now(), outcome = @outcome, attempts = attempts + 1 WHERE id = @id",
            new { id, outcome }, transaction, cancellationToken: cancellationToken));

    /// <summary>A failed attempt: retried with exponential backoff, given up (and kept, with the reason) after <paramref name="maxAttempts"/>.</summary>
    public async Task RecordFailureAsync(long id, string reason, int maxAttempts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE push_events SET attempts = attempts + 1, outcome = 'failed: ' || @reason,
                retry_after = now() + make_interval(secs => least(power(2, attempts + 1), 300)),
                processed_at = CASE WHEN attempts + 1 >= @maxAttempts THEN now() END
            WHERE id = @id
            """, new { id, reason, maxAttempts }, cancellationToken: cancellationToken));
    }

    /// <summary>Intents left by a push whose confirmation did not happen (a crash), or is still under way.</summary>
    public async Task<IReadOnlyList<PushEventRow>> IntentsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PushEventRow>(new CommandDefinition(
            $"SELECT {Columns} FROM push_events WHERE state = 'intent' ORDER BY id LIMIT 1000", cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Confirms an intent whose ref did move, or drops one that plainly never will.</summary>
    public async Task ResolveIntentAsync(long id, bool moved, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(moved
            ? """
              UPDATE push_events SET state = 'recorded' WHERE id = @id AND state = 'intent';
              SELECT pg_notify('mlops_push_events', @id::text);
              """
            : "DELETE FROM push_events WHERE id = @id AND state = 'intent'", new { id }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Records the pushes and merge requests that webhooks delivered, in one statement in the
    /// caller's transaction. Each event's id, in order; null when the same ref move was recorded
    /// before (another delivery of the same event, earlier or in this batch).
    /// </summary>
    public static async Task<long?[]> InsertFromWebhooksAsync(DbConnection connection, DbTransaction transaction,
        IReadOnlyList<WebhookPushEvent> events, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Id, long Ord)>(new CommandDefinition(
            """
            WITH input AS (
                SELECT * FROM unnest(@projectIds, @sources, @refs, @befores, @afters, @pusherIds, @pusherEmails, @pusherUsernames,
                                     @deliveryIds, @kinds, @targetBranches) WITH ORDINALITY
                    AS t(project_id, source, ref, before_sha, after_sha, pusher_id, pusher_email, pusher_username, delivery_id, kind,
                         target_branch, ord)),
            inserted AS (
                INSERT INTO push_events (project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username, delivery_id, kind,
                                         target_branch)
                SELECT project_id, source, ref, before_sha, after_sha,
                       COALESCE(pusher_id, (SELECT u.id FROM users u WHERE lower(u.email) = lower(i.pusher_email) AND i.pusher_email <> '')),
                       pusher_username, delivery_id, kind, target_branch
                FROM input i ORDER BY ord
                ON CONFLICT (project_id, source, ref, before_sha, after_sha) WHERE source <> 'embedded' DO NOTHING
                RETURNING id, project_id, source, ref, before_sha, after_sha),
            woken AS (
                SELECT pg_notify('mlops_push_events', max(id)::text) FROM inserted HAVING count(*) > 0)
            -- The condition on woken is always true; naming it is what makes PostgreSQL run the notify.
            SELECT ins.id, min(i.ord) AS ord FROM inserted ins
            JOIN input i USING (project_id, source, ref, before_sha, after_sha)
            WHERE (SELECT count(*) FROM woken) >= 0
            GROUP BY ins.id
            """, new
            {
                projectIds = events.Select(e => e.Event.ProjectId).ToArray(), sources = events.Select(e => e.Event.Source).ToArray(),
                refs = events.Select(e => e.Event.Ref).ToArray(), befores = events.Select(e => e.Event.Before).ToArray(),
                afters = events.Select(e => e.Event.After).ToArray(), pusherIds = events.Select(e => e.Event.PusherId).ToArray(),
                pusherEmails = events.Select(e => e.Event.PusherEmail ?? "").ToArray(),
                pusherUsernames = events.Select(e => e.Event.PusherUsername).ToArray(), deliveryIds = events.Select(e => e.DeliveryId).ToArray(),
                kinds = events.Select(e => e.Kind).ToArray(), targetBranches = events.Select(e => e.TargetBranch).ToArray(),
            }, transaction, cancellationToken: cancellationToken));
        var ids = new long?[events.Count];
        foreach (var (id, ord) in rows)
        {
            // The first of a batch's repeats is the one inserted (ORDER BY ord); the others are duplicates.
            ids[ord - 1] = id;
        }
        return ids;
    }

    /// <summary>A project's push events after <paramref name="afterId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PushEventRow>> ListAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PushEventRow>(new CommandDefinition(
            """
            SELECT id, project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username, created_at, attempts, delivery_id
            FROM push_events WHERE project_id = @projectId AND id > @afterId AND state = 'recorded' ORDER BY id LIMIT @limit
            """, new { projectId, afterId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
