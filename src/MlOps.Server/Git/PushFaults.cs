namespace MlOps.Server.Git;

/// <summary>
/// A crash point for the durability test: with MLOPS_FAULT_KILL_BEFORE_PUSH_CONFIRM=1 the process
/// kills itself (as kill -9 would) after git moved the refs, before the push events are confirmed
/// (and so before the client hears back). Never set in production.
/// </summary>
internal static class PushFaults
{
    private static readonly bool KillBeforeConfirm =
        Environment.GetEnvironmentVariable("MLOPS_FAULT_KILL_BEFORE_PUSH_CONFIRM") == "1";

    public static void BeforeConfirm()
    {
        if (KillBeforeConfirm)
        {
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
    }
}
