namespace MlOps.Runner.Executors.Docker;

/// <summary>The job's workspace, bind-mounted read-write as the container's working directory; nothing else of the host.</summary>
public static class Mounts
{
    public const string WorkspacePath = "/workspace";

    public static IList<string> For(string workspace) => [$"{Path.GetFullPath(workspace)}:{WorkspacePath}:rw"];
}
