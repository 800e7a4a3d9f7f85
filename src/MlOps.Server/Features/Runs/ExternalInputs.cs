using MlOps.Pipelines.Model;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Features.Runs;

/// <summary>
/// Inputs that name another project: the commit their ref points at when the run is created (so
/// the run reads the same data however the ref moves later) and their content ids (so cache keys
/// follow the data, not the ref). Only projects the triggering user may read are resolved; the
/// others keep the compiler's fallback id and fail when the runner stages them.
/// </summary>
public sealed class ExternalInputs(RunRepository runs, AccessGate gate, GitBackends backends)
{
    public static string Key(string project, string gitRef, string path) => $"{project}@{gitRef}:{path}";

    public async Task<(Dictionary<string, string> ContentIds, Dictionary<string, string> Commits)> ResolveAsync(
        IReadOnlyList<ProjectInput> inputs, long? userId, CancellationToken cancellationToken)
    {
        var contentIds = new Dictionary<string, string>(StringComparer.Ordinal);
        var commits = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in inputs.GroupBy(i => (i.Project, i.Ref)))
        {
            if (await runs.ProjectByPathAsync(group.Key.Project, cancellationToken) is not { } project
                || !await MayReadAsync(project.Id, userId, cancellationToken))
            {
                continue;
            }
            var path = backends.For(project.GitBackend).LocalPath(project.Id);
            if (await CommitReader.ResolveAsync(path, group.Key.Ref) is not { } resolved)
            {
                continue;
            }
            commits[$"{group.Key.Project}@{group.Key.Ref}"] = resolved.Sha;
            var ids = await CommitReader.ContentIdsAsync(path, resolved.Sha, group.Select(i => i.Path));
            foreach (var (p, id) in ids)
            {
                contentIds[Key(group.Key.Project, group.Key.Ref, p)] = id;
            }
        }
        return (contentIds, commits);
    }

    private async Task<bool> MayReadAsync(long projectId, long? userId, CancellationToken cancellationToken)
    {
        var caller = userId is { } id ? new Caller(id, "", false, new HashSet<string> { Scopes.Api }, 0) : null;
        try
        {
            await gate.ProjectAsync(caller, projectId, ProjectAction.Read, cancellationToken);
            return true;
        }
        catch (Infrastructure.Http.ApiException)
        {
            return false;
        }
    }
}
