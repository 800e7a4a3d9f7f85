using Dapper;
using MlOps.Server.Namespaces;
using Npgsql;

namespace MlOps.Server.Features.GitLab;

public sealed class GitLabLinkRow
{
    public long ProjectId { get; init; }
    public string BaseUrl { get; init; } = "";
    public long GitlabProjectId { get; init; }
    public string GitlabPath { get; init; } = "";
    public string HttpUrlToRepo { get; init; } = "";
    public byte[] TokenEncrypted { get; init; } = [];
    public long? HookId { get; init; }
    public byte[] HookSecretEncrypted { get; init; } = [];
    public DateTime? LastFetchedAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class GitLabLinkRepository(NpgsqlDataSource dataSource)
{
    public async Task<GitLabLinkRow?> FindAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<GitLabLinkRow>(new CommandDefinition(
            """
            SELECT project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted, hook_id,
                   hook_secret_encrypted, last_fetched_at, created_at
            FROM gitlab_links WHERE project_id = @projectId
            """, new { projectId }, cancellationToken: cancellationToken));
    }

    /// <summary>Links (or re-links) the project and switches it to the GitLab backend.</summary>
    public static async Task UpsertAsync(NpgsqlTransaction transaction, GitLabLinkRow link, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO gitlab_links (project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted,
                                      hook_id, hook_secret_encrypted, hook_version)
            VALUES (@ProjectId, @BaseUrl, @GitlabProjectId, @GitlabPath, @HttpUrlToRepo, @TokenEncrypted, @HookId, @HookSecretEncrypted,
                    @HookVersion)
            ON CONFLICT (project_id) DO UPDATE SET
                base_url = excluded.base_url, gitlab_project_id = excluded.gitlab_project_id, gitlab_path = excluded.gitlab_path,
                http_url_to_repo = excluded.http_url_to_repo, token_encrypted = excluded.token_encrypted,
                hook_id = excluded.hook_id, hook_secret_encrypted = excluded.hook_secret_encrypted,
                hook_version = excluded.hook_version, last_fetched_at = NULL, updated_at = now()
            """, new
            {
                link.ProjectId, link.BaseUrl, link.GitlabProjectId, link.GitlabPath, link.HttpUrlToRepo, link.TokenEncrypted, link.HookId,
                link.HookSecretEncrypted, HookVersion = GitLabHookRequest.Version,
            }, transaction, cancellationToken: cancellationToken));
        await ProjectStore.SetGitBackendAsync(transaction, link.ProjectId, GitLabGitBackend.KindName, cancellationToken);
    }

    public static async Task DeleteAsync(NpgsqlTransaction transaction, long projectId, CancellationToken cancellationToken)
    {
        var connection = transaction.Connection!;
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM gitlab_links WHERE project_id = @projectId", new { projectId }, transaction, cancellationToken: cancellationToken));
        await ProjectStore.SetGitBackendAsync(transaction, projectId, Git.EmbeddedGitBackend.KindName, cancellationToken);
    }

    /// <summary>Links whose hook was registered with older settings than <see cref="GitLabHookRequest.Version"/>.</summary>
    public async Task<IReadOnlyList<GitLabLinkRow>> OutdatedHooksAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<GitLabLinkRow>(new CommandDefinition(
            """
            SELECT project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted, hook_id,
                   hook_secret_encrypted, last_fetched_at, created_at
            FROM gitlab_links WHERE hook_version < @version AND hook_id IS NOT NULL ORDER BY project_id
            """, new { version = GitLabHookRequest.Version }, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Records the hook as current, unless the project was re-linked (another hook) meanwhile.</summary>
    public async Task MarkHookCurrentAsync(long projectId, long hookId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE gitlab_links SET hook_version = @version, updated_at = now() WHERE project_id = @projectId AND hook_id = @hookId",
            new { projectId, hookId, version = GitLabHookRequest.Version }, cancellationToken: cancellationToken));
    }

    public async Task MarkFetchedAsync(long projectId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE gitlab_links SET last_fetched_at = now() WHERE project_id = @projectId", new { projectId },
            cancellationToken: cancellationToken));
    }
}
