using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Git;

public sealed record GitAccess(ProjectAccess Project, Caller? Caller)
{
    public AccessLevel Level => Project.Level;

    public string PusherName => Caller?.Username ?? "anonymous";
}

/// <summary>
/// The gate's answer in the Git protocols' terms, for smart HTTP and LFS alike. Reading needs
/// <see cref="ProjectAction.Read"/> and the read_repository scope; pushing needs
/// <see cref="ProjectAction.Push"/> and write_repository. Anonymous callers are always challenged
/// (401) rather than told a private repository is missing, so that `git` asks for credentials and
/// existence is not revealed; a signed-in caller who may not see the project gets the same 404 as
/// for a project that does not exist. A project hosted on GitLab or GitHub is served from its
/// local mirror to job tokens only, for fetching: anyone else is told to clone it from its host.
/// </summary>
public sealed class GitAccessResolver(AccessGate gate)
{
    public async Task<GitAccess> ResolveAsync(HttpContext http, GitRoute route, bool write, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        if (!route.IsValid)
        {
            throw NotFound(caller);
        }
        var decision = await gate.DecideProjectAsync(caller, route.Namespace, route.Project,
            write ? ProjectAction.Push : ProjectAction.Read, cancellationToken);
        if (decision.Verdict == AccessVerdict.LooksAbsent)
        {
            throw NotFound(caller);
        }
        var project = decision.Target!;
        // A GitLab- or GitHub-hosted project's local mirror is served to its jobs (read only), so
        // that they can be staged; people clone from the host, and nobody pushes to a mirror.
        if (project.GitBackend != EmbeddedGitBackend.KindName && (write || caller?.Job is null))
        {
            throw new GitHttpException(StatusCodes.Status404NotFound,
                $"The repository of '{project.FullPath}' is hosted on {project.GitBackend}; clone it from there.");
        }
        if (decision.Verdict == AccessVerdict.Forbidden)
        {
            throw caller is null
                ? Challenge()
                : caller.Job is not null
                ? new GitHttpException(StatusCodes.Status403Forbidden, "A job token may only read repositories.")
                : new GitHttpException(StatusCodes.Status403Forbidden, write
                    ? $"You are not allowed to push code to '{project.FullPath}': it needs the developer role or higher."
                    : $"You are not allowed to read the repository of '{project.FullPath}': it needs the reporter role or higher.");
        }
        var scope = write ? Scopes.WriteRepository : Scopes.ReadRepository;
        if (caller is not null && !caller.HasScope(scope))
        {
            throw new GitHttpException(StatusCodes.Status403Forbidden, $"Your token lacks the '{scope}' scope.");
        }
        return new GitAccess(project, caller);
    }

    private static GitHttpException NotFound(Caller? caller) => caller is null
        ? Challenge()
        : new GitHttpException(StatusCodes.Status404NotFound,
            "The project you were looking for could not be found or you don't have permission to view it.");

    private static GitHttpException Challenge() =>
        new(StatusCodes.Status401Unauthorized, "HTTP Basic: Access denied. Use your username and a personal access token.");
}
