using System.Globalization;
using MlOps.Server.Features.Lfs;
using MlOps.Server.Features.Projects;
using MlOps.Server.Features.PushEvents;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Features.Namespaces;

namespace MlOps.Server.Features.Repositories;

/// <summary>Repository browsing, protected branches and push events for one project.</summary>
public sealed class RepositoryHandler(ProjectHandler projects, GitBackends backends, RepositoryBrowser browser,
    ProtectedBranchRepository protectedBranches, PushEventRepository pushEvents, LfsRepository lfs, LfsObjectStore lfsStore)
{
    public async Task<IReadOnlyList<BranchResponse>> BranchesAsync(Caller? caller, string ns, string path, CancellationToken ct)
    {
        var (project, local) = await ReadableAsync(caller, ns, path, ct);
        var protectedNames = (await protectedBranches.ListAsync(project.Id, ct)).ToHashSet(StringComparer.Ordinal);
        var head = await browser.HeadBranchAsync(local) ?? project.DefaultBranch;
        var branches = await browser.BranchesAsync(local);
        return branches.Select(b => new BranchResponse(b.Name, b.Commit, protectedNames.Contains(b.Name), b.Name == head)).ToList();
    }

    public async Task<IReadOnlyList<TagResponse>> TagsAsync(Caller? caller, string ns, string path, CancellationToken ct)
    {
        var (_, local) = await ReadableAsync(caller, ns, path, ct);
        return await browser.TagsAsync(local);
    }

    /// <summary>Paged by position in the walk: `cursor` is how many commits the client has already seen.</summary>
    public async Task<Page<CommitResponse>> CommitsAsync(Caller? caller, string ns, string path, string? refName, string? cursor,
        int? perPage, CancellationToken ct)
    {
        var (project, local) = await ReadableAsync(caller, ns, path, ct);
        var skip = 0;
        if (!string.IsNullOrEmpty(cursor) && (!int.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out skip) || skip < 0))
        {
            throw new ValidationException("cursor", "The cursor is not one this server returned.");
        }
        var limit = PageRequest.From(null, perPage).Limit;
        var commits = await browser.CommitsAsync(local, RefOrDefault(refName, project), skip, limit + 1)
            ?? throw new NotFoundException($"There is no ref '{RefOrDefault(refName, project)}'.");
        var next = commits.Count > limit ? (skip + limit).ToString(CultureInfo.InvariantCulture) : null;
        return new Page<CommitResponse>(commits.Take(limit).ToList(), next);
    }

    public async Task<CommitResponse> CommitAsync(Caller? caller, string ns, string path, string sha, CancellationToken ct)
    {
        var (_, local) = await ReadableAsync(caller, ns, path, ct);
        return await browser.CommitAsync(local, sha) ?? throw new NotFoundException($"There is no commit '{sha}'.");
    }

    public async Task<IReadOnlyList<TreeEntryResponse>> TreeAsync(Caller? caller, string ns, string path, string? refName,
        string? treePath, CancellationToken ct)
    {
        var (project, local) = await ReadableAsync(caller, ns, path, ct);
        var directory = (treePath ?? "").Trim('/');
        return await browser.TreeAsync(local, RefOrDefault(refName, project), directory)
            ?? throw new NotFoundException($"There is no directory '{directory}' at '{RefOrDefault(refName, project)}'.");
    }

    /// <summary>A file's bytes at a ref; with <paramref name="resolveLfs"/>, an LFS pointer is replaced by its object.</summary>
    public async Task<IResult> RawFileAsync(Caller? caller, string ns, string path, string encodedFile, string? refName, bool resolveLfs,
        CancellationToken ct)
    {
        var (project, local) = await ReadableAsync(caller, ns, path, ct);
        var file = Uri.UnescapeDataString(encodedFile).Trim('/');
        var (found, pointer, content, largeBlob) = await browser.FileAsync(local, RefOrDefault(refName, project), file, resolveLfs);
        if (!found)
        {
            throw new NotFoundException($"There is no file '{file}' at '{RefOrDefault(refName, project)}'.");
        }
        var name = Path.GetFileName(file);
        if (pointer is not null)
        {
            var linked = await lfs.LinkedAsync(project.Id, [pointer.Oid], ct);
            if (!linked.ContainsKey(pointer.Oid) || !lfsStore.Exists(pointer.Oid))
            {
                throw new NotFoundException($"'{file}' is an LFS pointer to an object that was never uploaded ({pointer.Oid}).");
            }
            return TypedResults.PhysicalFile(lfsStore.PathOf(pointer.Oid), "application/octet-stream", name);
        }
        if (largeBlob is not null)
        {
            return TypedResults.Stream(output => RepositoryBrowser.StreamBlobAsync(local, largeBlob, output, ct),
                "application/octet-stream", name);
        }
        return TypedResults.File(content!, "application/octet-stream", name);
    }

    public async Task<IReadOnlyList<ProtectedBranchResponse>> ProtectedBranchesAsync(Caller? caller, string ns, string path,
        CancellationToken ct)
    {
        var (project, _) = await projects.FindVisibleAsync(caller, ns, path, ct);
        return (await protectedBranches.ListAsync(project.Id, ct)).Select(n => new ProtectedBranchResponse(n)).ToList();
    }

    public async Task<ProtectedBranchResponse> ProtectAsync(Caller caller, string ns, string path, ProtectedBranchRequest request,
        CancellationToken ct)
    {
        var (project, level) = await projects.FindVisibleAsync(caller, ns, path, ct);
        Access.Require(level, AccessLevel.Maintainer, caller, "protect branches");
        var name = request.Name?.Trim() ?? "";
        if (name.Length is 0 or > 255 || name.Contains("..", StringComparison.Ordinal) || name.StartsWith('-') || name.EndsWith('/')
            || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c) || c is '~' or '^' or ':' or '\\' or '?' or '*' or '['))
        {
            throw new ValidationException("name", "name must be a valid branch name (no wildcards).");
        }
        await protectedBranches.AddAsync(project.Id, name, ct);
        return new ProtectedBranchResponse(name);
    }

    public async Task UnprotectAsync(Caller caller, string ns, string path, string name, CancellationToken ct)
    {
        var (project, level) = await projects.FindVisibleAsync(caller, ns, path, ct);
        Access.Require(level, AccessLevel.Maintainer, caller, "unprotect branches");
        if (!await protectedBranches.RemoveAsync(project.Id, Uri.UnescapeDataString(name), ct))
        {
            throw new NotFoundException($"The branch '{name}' is not protected.");
        }
    }

    public async Task<Page<PushEventResponse>> PushEventsAsync(Caller? caller, string ns, string path, PageRequest page,
        CancellationToken ct)
    {
        // Like branches and commits: whoever can see the project (anonymous callers on a public one).
        var (project, _) = await projects.FindVisibleAsync(caller, ns, path, ct);
        var rows = await pushEvents.ListAsync(project.Id, page.After ?? 0, page.FetchLimit, ct);
        return page.ToPage(rows, r => r.Id, r => new PushEventResponse(r.Id, r.Source, r.Ref, r.BeforeSha, r.AfterSha, r.PusherId,
            r.PusherUsername, r.CreatedAt));
    }

    private async Task<(ProjectRow Project, string LocalPath)> ReadableAsync(Caller? caller, string ns, string path, CancellationToken ct)
    {
        var (project, _) = await projects.FindVisibleAsync(caller, ns, path, ct);
        return (project, backends.For(project).LocalPath(project.Id));
    }

    private static string RefOrDefault(string? refName, ProjectRow project) =>
        string.IsNullOrWhiteSpace(refName) ? project.DefaultBranch : refName.Trim();
}
