using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.AccessControl;

/// <summary>
/// What a caller wants to do on a project. Each action needs a minimum role; <see cref="AccessGate"/>
/// is the one place that decides, so every feature (REST, Git HTTP, LFS, runs, jobs, logs,
/// artifacts, secrets, usage, the catalog) asks the same question the same way.
/// </summary>
public enum ProjectAction
{
    /// <summary>
    /// Read what the project holds: repository, runs, jobs, logs, artifacts, metrics. Whoever sees a
    /// public or internal project; reporter and up on a private one (its guests only see it, <see cref="View"/>).
    /// </summary>
    Read,
    /// <summary>Push commits and LFS objects.</summary>
    Push,
    /// <summary>Start, re-run and cancel pipeline runs.</summary>
    Run,
    /// <summary>Settings, members, protected branches, secrets, links to GitLab or GitHub, audit log.</summary>
    Manage,
    /// <summary>Delete the project.</summary>
    Delete,
    /// <summary>See the project itself, its settings and members: whoever can see it, guests included.</summary>
    View,
}

public static class ProjectActions
{
    /// <summary>
    /// As <see cref="Needs(ProjectAction)"/> on a project of <paramref name="visibility"/>: what a
    /// private project holds needs reporter, so its guests see the project but not its contents.
    /// </summary>
    public static AccessLevel Needs(this ProjectAction action, string visibility) =>
        action == ProjectAction.Read && visibility == "private" ? AccessLevel.Reporter : action.Needs();

    /// <summary>The least role that allows <paramref name="action"/>; <see cref="AccessLevel.None"/> means seeing is enough.</summary>
    public static AccessLevel Needs(this ProjectAction action) => action switch
    {
        ProjectAction.Read or ProjectAction.View => AccessLevel.None,
        ProjectAction.Push or ProjectAction.Run => AccessLevel.Developer,
        ProjectAction.Manage => AccessLevel.Maintainer,
        ProjectAction.Delete => AccessLevel.Owner,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static string Describe(this ProjectAction action) => action switch
    {
        ProjectAction.Read => "read this project's repository, runs and artifacts",
        ProjectAction.View => "see this project",
        ProjectAction.Push => "push to this project",
        ProjectAction.Run => "run pipelines of this project",
        ProjectAction.Manage => "manage this project",
        ProjectAction.Delete => "delete this project",
        _ => action.ToString(),
    };
}
