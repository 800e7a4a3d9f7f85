using System.Text.Json;
using Dapper;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Runners;

public sealed class RunnerRow
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string TokenPrefix { get; init; } = "";
    public string[] Tags { get; init; } = [];
    public string Version { get; init; } = "";
    public string Platform { get; init; } = "";
    public string Executor { get; init; } = "";
    public string Gpus { get; init; } = "[]";
    public bool Paused { get; init; }
    public DateTime? ContactedAt { get; init; }
    public DateTime CreatedAt { get; init; }
}

public sealed class RunnerRepository(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, name, description, token_prefix, tags, version, platform, executor, gpus::text AS gpus, paused, contacted_at, created_at";

    public async Task<long> InsertAsync(RegisterRunnerRequest request, string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO runners (name, description, token_hash, token_prefix, tags, version, platform, executor, contacted_at)
            VALUES (@Name, @description, @hash, @prefix, @tags, @version, @platform, @executor, now())
            RETURNING id
            """,
            new
            {
                request.Name, description = request.Description ?? "", hash = TokenHasher.Hash(token), prefix = TokenHasher.DisplayPrefix(token),
                tags = (request.Tags ?? []).ToArray(), version = request.Version ?? "", platform = request.Platform ?? "",
                executor = request.Executor ?? "",
            }, cancellationToken: cancellationToken));
    }

    /// <summary>Records contact (and the reported inventory) for the runner holding <paramref name="token"/>.</summary>
    public async Task<RunnerRow?> TouchAsync(string token, string? version, IReadOnlyList<GpuDevice>? gpus, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<RunnerRow>(new CommandDefinition(
            $"""
            UPDATE runners SET contacted_at = now(), version = coalesce(@version, version),
                               gpus = coalesce(@gpus::jsonb, gpus)
            WHERE token_hash = @hash
            RETURNING {Columns}
            """,
            new { hash = TokenHasher.Hash(token), version, gpus = gpus is null ? null : JsonSerializer.Serialize(gpus, StoredJson.Options) },
            cancellationToken: cancellationToken));
    }

    public async Task<bool> DeleteByTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM runners WHERE token_hash = @hash", new { hash = TokenHasher.Hash(token) }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM runners WHERE id = @id", new { id }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<IReadOnlyList<RunnerRow>> ListAsync(PageRequest page, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<RunnerRow>(new CommandDefinition(
            $"SELECT {Columns} FROM runners WHERE id > @after ORDER BY id LIMIT @limit",
            new { after = page.After ?? 0, limit = page.FetchLimit }, cancellationToken: cancellationToken))).AsList();
    }
}
