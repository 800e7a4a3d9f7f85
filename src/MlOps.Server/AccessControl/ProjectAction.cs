using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.AccessControl;

/// <summary>
/// What a caller wants to do on a project. Each action needs a minimum role; <see cref="AccessGate"/>
/// is the one place that decides, so every feature (REST, Git HTTP, LFS, runs, jobs, logs,
/// artifacts, secrets, usage, the catalog) asks the same question the same way.
/// </summary>
public enum ProjectAction
{
    /// <summary>See the project and everything read-only in it: repository, runs, jobs, logs, artifacts, metrics.</summary>
    Read,
    /// <summary>Push commits and LFS objects.</summary>
    Push,
    /// <summary>Start, re-run and cancel pipeline runs.</summary>
    Run,
    /// <summary>Settings, members, protected branches, secrets, links to GitLab or GitHub, audit log.</summary>
    Manage,
    /// <summary>Delete the project.</summary>
    Delete,
}

public static class ProjectActions
{
    /// <summary>The least role that allows <paramref name="action"/>; <see cref="AccessLevel.None"/> means seeing is enough.</summary>
    public static AccessLevel Needs(this ProjectAction action) => action switch
    {
        ProjectAction.Read => AccessLevel.None,
        ProjectAction.Push or ProjectAction.Run => AccessLevel.Developer,
        ProjectAction.Manage => AccessLevel.Maintainer,
        ProjectAction.Delete => AccessLevel.Owner,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static string Describe(this ProjectAction action) => action switch
    {
        ProjectAction.Read => "see this project",
        ProjectAction.Push => "push to this project",
        ProjectAction.Run => "run pipelines of this project",
        ProjectAction.Manage => "manage this project",
        ProjectAction.Delete => "delete this project",
        _ => action.ToString(),
    };
}
