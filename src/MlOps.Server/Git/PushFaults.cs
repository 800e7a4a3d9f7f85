namespace MlOps.Server.Git;

/// <summary>
/// A crash point for the durability test: with MLOPS_FAULT_KILL_BEFORE_PUSH_CONFIRM=1 the process
/// kills itself (as kill -9 would) after git moved the refs and acknowledged the push, before the
/// push events are confirmed. Never set in production.
/// </summary>
internal static class PushFaults
{
    private static readonly bool KillBeforeConfirm =
        Environment.GetEnvironmentVariable("MLOPS_FAULT_KILL_BEFORE_PUSH_CONFIRM") == "1";

    public static void BeforeConfirm()
    {
        if (KillBeforeConfirm)
        {
            // The response is complete; this gives Kestrel time to put its last bytes on the wire.
            Thread.Sleep(300);
            System.Diagnostics.Process.GetCurrentProcess().Kill();
        }
    }
}
