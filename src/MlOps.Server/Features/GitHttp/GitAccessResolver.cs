using MlOps.Server.Features.Projects;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.GitHttp;

public sealed record GitAccess(ProjectRow Project, AccessLevel Level, Caller? Caller)
{
    public string PusherName => Caller?.Username ?? "anonymous";
}

/// <summary>
/// Who may fetch and push over Git HTTP and LFS. Reading needs what seeing the project needs
/// (reporter for private ones) and the read_repository scope; pushing needs developer and
/// write_repository. Anonymous callers are always challenged (401) rather than told a private
/// repository is missing, so that `git` asks for credentials and existence is not revealed.
/// </summary>
public sealed class GitAccessResolver(ProjectHandler projects, AccessControl.AccessGate gate, ProjectRepository repository)
{
    public async Task<GitAccess> ResolveAsync(HttpContext http, GitRoute route, bool write, CancellationToken cancellationToken)
    {
        var caller = http.Caller();
        if (!route.IsValid)
        {
            throw NotFound(caller);
        }
        ProjectRow project;
        AccessLevel level;
        if (caller?.Job is not null)
        {
            // Job tokens are confined by the gate: their own project and their inputs' projects, read only.
            var decision = await gate.DecideProjectAsync(caller, route.Namespace, route.Project,
                write ? AccessControl.ProjectAction.Push : AccessControl.ProjectAction.Read, cancellationToken);
            if (decision.Verdict == AccessControl.AccessVerdict.LooksAbsent)
            {
                throw NotFound(caller);
            }
            if (decision.Verdict == AccessControl.AccessVerdict.Forbidden)
            {
                throw new GitHttpException(StatusCodes.Status403Forbidden, "A job token may only read repositories.");
            }
            project = (await repository.FindByIdAsync(decision.Target!.ProjectId, null, cancellationToken))!;
            level = decision.Level;
        }
        else try
        {
            (project, level) = await projects.FindVisibleAsync(caller, route.Namespace, route.Project, cancellationToken);
        }
        catch (NotFoundException)
        {
            throw NotFound(caller);
        }
        if (project.GitBackend != EmbeddedGitBackend.KindName)
        {
            throw new GitHttpException(StatusCodes.Status404NotFound,
                $"The repository of '{project.FullPath}' is hosted on {project.GitBackend}; clone it from there.");
        }
        if (write && level < AccessLevel.Developer)
        {
            throw caller is null
                ? Challenge()
                : new GitHttpException(StatusCodes.Status403Forbidden,
                    $"You are not allowed to push code to '{project.FullPath}': it needs the developer role or higher.");
        }
        var scope = write ? Scopes.WriteRepository : Scopes.ReadRepository;
        if (caller is not null && !caller.HasScope(scope))
        {
            throw new GitHttpException(StatusCodes.Status403Forbidden, $"Your token lacks the '{scope}' scope.");
        }
        return new GitAccess(project, level, caller);
    }

    private static GitHttpException NotFound(Caller? caller) => caller is null
        ? Challenge()
        : new GitHttpException(StatusCodes.Status404NotFound,
            "The project you were looking for could not be found or you don't have permission to view it.");

    private static GitHttpException Challenge() =>
        new(StatusCodes.Status401Unauthorized, "HTTP Basic: Access denied. Use your username and a personal access token.");
}
