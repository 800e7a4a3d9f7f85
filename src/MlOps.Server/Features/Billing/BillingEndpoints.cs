using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Billing;

/// <summary>
/// Per-client usage: statements, the ledger, quotas and their warnings (a client's owners and
/// admins); prices and corrections (admins). A client is named by its top-level namespace path.
/// </summary>
public static class BillingEndpoints
{
    public static RouteGroupBuilder MapBillingEndpoints(this RouteGroupBuilder api)
    {
        var clients = api.MapGroup("/clients/{namespace}").WithTags("Usage and billing");

        clients.MapGet("/statement", async Task<IResult> (string @namespace, string? month, string? from, string? to, string? format,
            HttpContext http, StatementHandler handler, CancellationToken ct) =>
        {
            if (format is not (null or "" or "json" or "csv"))
            {
                throw new ValidationException("format", "format must be json or csv.");
            }
            var statement = await handler.StatementAsync(http.Caller(), @namespace, month, from, to, ct);
            return format == "csv"
                ? TypedResults.Text(StatementCsv.Write(statement), StatementCsv.ContentType)
                : TypedResults.Ok(statement);
        }).WithSummary("A client's statement for a month (month=YYYY-MM) or days (from, to: YYYY-MM-DD, both included); format=csv for CSV");

        clients.MapGet("/usage_entries", async Task<Ok<Page<LedgerEntryResponse>>> (string @namespace, string? month, string? from,
            string? to, string? cursor, int? per_page, HttpContext http, StatementHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.LedgerAsync(http.Caller(), @namespace, month, from, to, PageRequest.From(cursor, per_page), ct)))
            .WithSummary("A client's ledger entries in a period, newest first");

        clients.MapGet("/quota", async Task<Ok<QuotaResponse>> (string @namespace, HttpContext http, QuotaHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.GetAsync(http.Caller(), @namespace, ct)))
            .WithSummary("A client's quotas and what it uses of them now");

        clients.MapPut("/quota", async Task<Ok<QuotaResponse>> (string @namespace, QuotaRequest request, HttpContext http,
            QuotaHandler handler, CancellationToken ct) => TypedResults.Ok(await handler.SetAsync(http.RequireAdmin(), @namespace, request, ct)))
            .WithSummary("Set a client's quotas (admin); a missing or null limit is unlimited");

        clients.MapGet("/quota_events", async Task<Ok<Page<QuotaEventResponse>>> (string @namespace, string? cursor, int? per_page,
            HttpContext http, QuotaHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.EventsAsync(http.Caller(), @namespace, PageRequest.From(cursor, per_page), ct)))
            .WithSummary("Warnings recorded when the client reached 80 % and 100 % of a quota, newest first");

        var admin = api.MapGroup("/admin").WithTags("Usage and billing");

        admin.MapGet("/prices", async Task<Ok<IReadOnlyList<PriceResponse>>> (string? client, HttpContext http, PriceHandler handler,
            CancellationToken ct) => TypedResults.Ok(await handler.ListAsync(http.RequireAdmin(), client, ct)))
            .WithSummary("The price list and per-client overrides (admin); client= narrows to one client's overrides");

        admin.MapPost("/prices", async Task<Created<PriceResponse>> (PriceRequest request, HttpContext http, PriceHandler handler,
            CancellationToken ct) =>
        {
            var price = await handler.AddAsync(http.RequireAdmin(), request, ct);
            return TypedResults.Created($"/api/v1/admin/prices/{price.Id}", price);
        }).WithSummary("Add a price effective from a UTC date (admin); with client, an override for that client");

        admin.MapPost("/usage_corrections", async Task<IResult> (CorrectionRequest request, HttpContext http, PriceHandler handler,
            CancellationToken ct) =>
        {
            var (entry, created) = await handler.CorrectAsync(http.RequireAdmin(), request, ct);
            return created ? TypedResults.Created($"/api/v1/clients/{request.Client}/usage_entries", entry) : TypedResults.Ok(entry);
        }).WithSummary("Book a correction into a client's ledger (admin); the same key again books nothing");

        return api;
    }
}
