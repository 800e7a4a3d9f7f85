using Dapper;
using MlOps.Server.AccessControl;
using MlOps.Server.Features.Audit;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Billing;

/// <summary>The price list, per-client overrides and ledger corrections: admins only.</summary>
public sealed class PriceHandler(ClientResolver clients, BillingRepository billing, NpgsqlDataSource dataSource, AuditLog audit)
{
    public const decimal MaxUnitPrice = 1_000_000_000m;

    public async Task<IReadOnlyList<PriceResponse>> ListAsync(Caller admin, string? client, CancellationToken cancellationToken)
    {
        long? clientId = string.IsNullOrEmpty(client) ? null : (await ClientAsync(admin, client, cancellationToken)).ClientId;
        return await billing.ListPricesAsync(clientId, cancellationToken);
    }

    /// <summary>Adds a price from its effective date on. Prices are never edited: a change is a new price with a later date.</summary>
    public async Task<PriceResponse> AddAsync(Caller admin, PriceRequest request, CancellationToken cancellationToken)
    {
        var resource = request.Resource ?? "";
        var model = (request.GpuModel ?? "").Trim();
        new Validator()
            .Check(Resource.All.ContainsKey(resource), "resource", "resource must be one of gpu, cpu, memory, storage.")
            .Check(model.Length == 0 || resource == Resource.Gpu, "gpu_model", "gpu_model is only for gpu prices.")
            .Text(model, "gpu_model", 100)
            .Check(request.UnitPrice is >= 0 and <= MaxUnitPrice, "unit_price", $"unit_price must be between 0 and {MaxUnitPrice}.")
            .Check(request.UnitPrice is null || decimal.Round(request.UnitPrice.Value, 8) == request.UnitPrice,
                "unit_price", "unit_price has at most 8 decimals.")
            .Check(request.EffectiveFrom is not null, "effective_from", "effective_from is required (YYYY-MM-DD, from 00:00 UTC).")
            .ThrowIfAny();
        var client = string.IsNullOrEmpty(request.Client) ? null : await ClientAsync(admin, request.Client, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await BillingRepository.InsertPriceAsync(transaction, client?.ClientId, resource, model, request.UnitPrice!.Value,
            request.EffectiveFrom!.Value, admin.Username, cancellationToken)
            ?? throw new ConflictException("effective_from",
                $"A {resource}{(model.Length > 0 ? " " + model : "")} price effective {request.EffectiveFrom:yyyy-MM-dd} already exists " +
                $"for {(client is null ? "the price list" : client.FullPath)}; prices are never edited, add one with another date.");
        await audit.WriteAsync(transaction, admin, new AuditEntry("price.create", "price", id, client?.FullPath ?? "price list",
            NamespaceId: client?.ClientId, Details: new { resource, gpu_model = model, unit_price = request.UnitPrice, effective_from = request.EffectiveFrom }),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (await billing.ListPricesAsync(client?.ClientId, cancellationToken)).Single(p => p.Id == id);
    }

    /// <summary>Books a correction; the same key again returns the entry already booked.</summary>
    public async Task<(LedgerEntryResponse Entry, bool Created)> CorrectAsync(Caller admin, CorrectionRequest request,
        CancellationToken cancellationToken)
    {
        var resource = request.Resource ?? "";
        var detail = (request.Detail ?? "").Trim();
        new Validator()
            .Check(!string.IsNullOrEmpty(request.Client), "client", "client is required.")
            .Check(request.Key is { Length: >= 1 and <= 200 }, "key", "key is required (at most 200 characters): it makes a retry book once.")
            .Text(request.Key, "key", 200)
            .Check(Resource.All.ContainsKey(resource), "resource", "resource must be one of gpu, cpu, memory, storage.")
            .Check(resource != Resource.Storage || Resource.StorageKinds.Contains(detail), "detail",
                "detail must be repository, lfs, artifacts or logs for storage.")
            .Check(resource is Resource.Gpu or Resource.Storage || detail.Length == 0, "detail", "detail is only for gpu (the model) and storage.")
            .Text(detail, "detail", 100)
            .Check(request.Quantity is not null and not 0, "quantity", "quantity is required and not 0 (negative takes usage back).")
            .Check(request.Day is not null, "day", "day is required (YYYY-MM-DD, UTC).")
            .Check(!string.IsNullOrWhiteSpace(request.Note), "note", "note is required: say why.")
            .Text(request.Note, "note", 1000)
            .Text(request.Pipeline, "pipeline", 100)
            .ThrowIfAny();
        var client = await ClientAsync(admin, request.Client!, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long? projectId = null;
        if (!string.IsNullOrEmpty(request.Project))
        {
            projectId = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                """
                SELECT p.id FROM projects p JOIN namespaces n ON n.id = p.namespace_id
                WHERE lower(n.full_path || '/' || p.path) = lower(@project) AND COALESCE(n.parent_id, n.id) = @clientId
                """, new { project = request.Project, clientId = client.ClientId }, cancellationToken: cancellationToken))
                ?? throw new ValidationException("project", $"'{client.FullPath}' has no project '{request.Project}'.");
        }
        if (request.Corrects is { } corrected && !await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM usage_entries WHERE id = @corrected AND client_id = @clientId)",
                new { corrected, clientId = client.ClientId }, cancellationToken: cancellationToken)))
        {
            throw new ValidationException("corrects", $"'{client.FullPath}' has no ledger entry {corrected}.");
        }
        var source = "correction:" + request.Key;
        if (await FindEntryAsync(connection, source, cancellationToken) is { } existing)
        {
            return existing.ClientId == client.ClientId
                ? (existing.Entry, false)
                : throw new ConflictException("key", $"The key '{request.Key}' was already used for another client's correction.");
        }
        var id = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            INSERT INTO usage_entries (source, kind, client_id, project_id, pipeline, resource, detail, quantity, day, corrects, note, recorded_by)
            VALUES (@source, 'correction', @clientId, @projectId, @pipeline, @resource, @detail, @quantity, @day, @corrects, @note, @by)
            ON CONFLICT (source, resource, detail) DO NOTHING RETURNING id
            """,
            new
            {
                source, clientId = client.ClientId, projectId, pipeline = string.IsNullOrEmpty(request.Pipeline) ? null : request.Pipeline,
                resource, detail, quantity = request.Quantity, day = request.Day, corrects = request.Corrects, note = request.Note, by = admin.Username,
            }, cancellationToken: cancellationToken));
        var entry = (await FindEntryAsync(connection, source, cancellationToken))!.Value.Entry;
        return (entry, id is not null);
    }

    private static async Task<(LedgerEntryResponse Entry, long ClientId)?> FindEntryAsync(NpgsqlConnection connection, string source,
        CancellationToken cancellationToken)
    {
        var row = await connection.QuerySingleOrDefaultAsync<LedgerEntryResponse>(new CommandDefinition(
            """
            SELECT id, source, kind, project_id, job_id, attempt, user_id, pipeline, resource, detail, quantity, day,
                   corrects, note, recorded_by, recorded_at, measured::text AS measured_json, client_id
            FROM usage_entries WHERE source = @source ORDER BY id LIMIT 1
            """, new { source }, cancellationToken: cancellationToken));
        return row is null ? null : (row, row.ClientId);
    }

    private async Task<NamespaceAccess> ClientAsync(Caller admin, string path, CancellationToken cancellationToken)
    {
        try
        {
            return await clients.OwnedAsync(admin, path, cancellationToken);
        }
        catch (NotFoundException)
        {
            throw new ValidationException("client", $"There is no client '{path}'.");
        }
    }
}
