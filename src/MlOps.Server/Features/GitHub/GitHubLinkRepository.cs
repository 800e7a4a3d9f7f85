using Dapper;
using Npgsql;

namespace MlOps.Server.Features.GitHub;

public sealed class GitHubLinkRow
{
    public long ProjectId { get; init; }
    public string Repository { get; init; } = "";
    public byte[] TokenEncrypted { get; init; } = [];
    public byte[] WebhookSecretEncrypted { get; init; } = [];
    public DateTime? LastFetchedAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class GitHubLinkRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "project_id, repository, token_encrypted, webhook_secret_encrypted, last_fetched_at, created_at";

    public async Task<GitHubLinkRow?> FindAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<GitHubLinkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM github_links WHERE project_id = @projectId", new { projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>Every project linked to a GitHub repository (several projects may follow one).</summary>
    public async Task<IReadOnlyList<GitHubLinkRow>> ByRepositoryAsync(string repository, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<GitHubLinkRow>(new CommandDefinition(
            $"SELECT {Columns} FROM github_links WHERE lower(repository) = lower(@repository)", new { repository },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Links (or re-links) the project and switches it to the GitHub backend, in one transaction.</summary>
    public async Task UpsertAsync(GitHubLinkRow link, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO github_links (project_id, repository, token_encrypted, webhook_secret_encrypted)
            VALUES (@ProjectId, @Repository, @TokenEncrypted, @WebhookSecretEncrypted)
            ON CONFLICT (project_id) DO UPDATE SET repository = excluded.repository, token_encrypted = excluded.token_encrypted,
                webhook_secret_encrypted = excluded.webhook_secret_encrypted, last_fetched_at = NULL, updated_at = now();
            UPDATE projects SET git_backend = 'github', updated_at = now() WHERE id = @ProjectId;
            """, link, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<bool> DeleteAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var deleted = await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM github_links WHERE project_id = @projectId", new { projectId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE projects SET git_backend = 'embedded', updated_at = now() WHERE id = @projectId AND git_backend = 'github'",
            new { projectId }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    public async Task MarkFetchedAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("UPDATE github_links SET last_fetched_at = now() WHERE project_id = @projectId",
            new { projectId }, cancellationToken: cancellationToken));
    }
}
