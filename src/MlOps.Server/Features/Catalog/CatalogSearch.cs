using Dapper;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

public sealed record CatalogQuery(string? Q, string? Kind, IReadOnlyList<string> Tags, string? Input, string? Output, string? Sort,
    int? Page, int? PerPage);

public sealed record CatalogPage(IReadOnlyList<OperationSummary> Items, int Page, int PerPage, int? NextPage);

/// <summary>
/// Catalog search: full-text over name, tags and description (stemmed, name weighted most), with
/// trigram word similarity so a misspelt query ("sklaern") still finds its operation; filters by
/// kind, tags and port types; sorted by relevance, stars, uses or recency. Only operations whose
/// project the caller may read (reporter and up on a private one, as for its page) are ever counted or returned.
/// </summary>
public sealed class CatalogSearch(NpgsqlDataSource dataSource)
{
    public static readonly string[] Kinds = ["data-operation", "visualization", "algorithm"];
    public static readonly string[] Sorts = ["relevance", "stars", "uses", "recent"];

    /// <summary>
    /// How alike a query must be to a stretch of the catalog text to match by spelling alone (pg_trgm
    /// word similarity): 0.35 admits a swapped pair ("sklaern": 0.375) and still keeps unrelated
    /// words out ("clean" against a classifier's text: 0.33).
    /// </summary>
    public const double TypoThreshold = 0.35;

    public async Task<CatalogPage> SearchAsync(Caller? caller, CatalogQuery query, CancellationToken cancellationToken)
    {
        var q = string.IsNullOrWhiteSpace(query.Q) ? null : query.Q.Trim();
        var validator = new Validator()
            .Check(q is null || q.Length <= 200, "q", "q must be at most 200 characters.")
            .Check(query.Kind is null || Kinds.Contains(query.Kind), "kind", $"kind must be one of {string.Join(", ", Kinds)}.")
            .Check(query.Sort is null || Sorts.Contains(query.Sort), "sort", $"sort must be one of {string.Join(", ", Sorts)}.")
            .Check(query.Page is null or >= 1, "page", "page must be 1 or more.")
            .Check(query.PerPage is null or (>= 1 and <= PageRequest.MaxLimit), "per_page", $"per_page must be between 1 and {PageRequest.MaxLimit}.");
        if (q is not null) validator.Text(q, "q", 200);
        validator.ThrowIfAny();

        var sort = query.Sort ?? (q is null ? "recent" : "relevance");
        var page = query.Page ?? 1;
        var perPage = query.PerPage ?? PageRequest.DefaultLimit;
        var orderBy = sort switch
        {
            "stars" => "o.star_count DESC, o.use_count DESC",
            "uses" => "o.use_count DESC, o.star_count DESC",
            "recent" => "o.updated_at DESC",
            _ when q is null => "o.updated_at DESC",
            _ => "rank DESC",
        };
        var sql = $"""
            {OperationRepository.OperationSelect.Replace("SELECT ", "SELECT " + (q is null ? "0::real AS rank, " : RankSql + " AS rank, "), StringComparison.Ordinal)}
            WHERE (@admin OR p.visibility = 'public' OR (p.visibility = 'internal' AND @signedIn) OR {AccessGate.ProjectLevelSql} >= {(int)AccessLevel.Reporter})
              AND (@q::text IS NULL OR o.search @@ websearch_to_tsquery('english', @q) OR lower(@q) <% o.search_text)
              AND (@kind::text IS NULL OR o.kind = @kind)
              AND o.tags @> @tags
              AND (@input::text IS NULL OR @input = ANY (o.input_types))
              AND (@output::text IS NULL OR @output = ANY (o.output_types))
            ORDER BY {orderBy}, o.id DESC
            LIMIT @limit OFFSET @offset
            """;

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // `<%` uses the trigram index; its threshold is a setting, scoped to this transaction.
        await connection.ExecuteAsync(new CommandDefinition(
            $"SET LOCAL pg_trgm.word_similarity_threshold = {TypoThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)}",
            transaction: transaction, cancellationToken: cancellationToken));
        var rows = (await connection.QueryAsync<OperationRow>(new CommandDefinition(sql, new
        {
            admin = caller?.IsAdmin == true, signedIn = caller is not null, userId = caller?.UserId ?? 0,
            q, kind = query.Kind, tags = query.Tags.ToArray(), input = query.Input, output = query.Output,
            limit = perPage + 1, offset = (long)(page - 1) * perPage,
        }, transaction, cancellationToken: cancellationToken))).AsList();
        await transaction.CommitAsync(cancellationToken);
        return new CatalogPage(rows.Take(perPage).Select(r => r.ToSummary()).ToList(), page, perPage, rows.Count > perPage ? page + 1 : null);
    }

    private const string RankSql =
        "(ts_rank(o.search, websearch_to_tsquery('english', @q)) + word_similarity(lower(@q), o.search_text))::real";
}
