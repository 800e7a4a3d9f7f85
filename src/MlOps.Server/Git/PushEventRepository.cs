using Dapper;
using Npgsql;

namespace MlOps.Server.Git;

/// <summary>A ref that a push moved. `before` is all zeros for a new ref, `after` for a deleted one.</summary>
public sealed record PushEvent(long ProjectId, string Source, string Ref, string Before, string After, long? PusherId,
    string PusherUsername);

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
}

/// <summary>
/// The durable record of pushes that the pipeline trigger consumes (in id order). The embedded
/// Git server and the GitLab/GitHub webhooks all write here.
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
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>A project's push events after <paramref name="afterId"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PushEventRow>> ListAsync(long projectId, long afterId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<PushEventRow>(new CommandDefinition(
            """
            SELECT id, project_id, source, ref, before_sha, after_sha, pusher_id, pusher_username, created_at
            FROM push_events WHERE project_id = @projectId AND id > @afterId ORDER BY id LIMIT @limit
            """, new { projectId, afterId, limit }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
