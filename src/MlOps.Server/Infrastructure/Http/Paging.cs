using System.Globalization;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>One page of a keyset-paged list; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// Keyset paging by a row id: `?cursor=` is the id to continue after, so a page costs an index
/// range scan however deep the client has paged, and rows added meanwhile are neither skipped nor
/// repeated.
/// </summary>
public readonly record struct PageRequest(long? After, int Limit)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static PageRequest From(string? cursor, int? perPage)
    {
        long? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
            {
                throw new ValidationException("cursor", "The cursor is not one this server returned.");
            }
            after = id;
        }
        var limit = perPage ?? DefaultLimit;
        if (limit is < 1 or > MaxLimit)
        {
            throw new ValidationException("per_page", $"per_page must be between 1 and {MaxLimit}.");
        }
        return new PageRequest(after, limit);
    }

    /// <summary>Queries fetch one row more than asked, to know whether a next page exists.</summary>
    public int FetchLimit => Limit + 1;

    public Page<TOut> ToPage<TRow, TOut>(IReadOnlyList<TRow> rows, Func<TRow, long> id, Func<TRow, TOut> map)
    {
        var items = rows.Take(Limit).Select(map).ToList();
        var next = rows.Count > Limit ? id(rows[Limit - 1]).ToString(CultureInfo.InvariantCulture) : null;
        return new Page<TOut>(items, next);
    }
}
