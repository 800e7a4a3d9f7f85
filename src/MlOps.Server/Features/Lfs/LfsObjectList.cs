using MlOps.Server.Git;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Lfs;

/// <param name="Oid">The SHA-256 of the content, as in the pointer files.</param>
/// <param name="Size">The object's size in bytes (the pointer in Git is ~130 bytes).</param>
/// <param name="CreatedAt">When the object was first uploaded to this project.</param>
public sealed record LfsObjectResponse(string Oid, long Size, DateTime CreatedAt);

/// <summary>A project's LFS objects, for whoever may read the project (reporter on a private one).</summary>
public sealed class LfsObjectList(AccessGate gate, LfsObjectQueries lfs)
{
    /// <summary>Ordered by oid; the cursor is the last oid of the previous page, so pages never shift when objects arrive.</summary>
    public async Task<Page<LfsObjectResponse>> ListAsync(Caller? caller, string ns, string project, string? cursor, int? perPage,
        CancellationToken cancellationToken)
    {
        var page = PageRequest.From(null, perPage);
        if (!string.IsNullOrEmpty(cursor) && !LfsObjectStore.IsValidOid(cursor))
        {
            throw new ValidationException("cursor", "The cursor is not one this server returned.");
        }
        var access = await gate.ProjectAsync(caller, ns, project, ProjectAction.Read, cancellationToken);
        var rows = await lfs.ListAsync(access.ProjectId, cursor ?? "", page.FetchLimit, cancellationToken);
        var items = rows.Take(page.Limit).ToList();
        return new Page<LfsObjectResponse>(items, rows.Count > page.Limit ? items[^1].Oid : null);
    }
}
