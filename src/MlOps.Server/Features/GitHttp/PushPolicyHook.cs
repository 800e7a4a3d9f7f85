namespace MlOps.Server.Features.GitHttp;

/// <summary>
/// The `pre-receive` hook installed in every embedded repository. The server decides who may push
/// at all before starting receive-pack; this hook enforces what needs the pushed objects:
/// protected branches (maintainer only, never deleted, never rewritten). Receive-pack runs it with
/// the new objects quarantined, so a refused push leaves the repository unchanged, and what it
/// prints reaches the client as `remote: …` next to `! [remote rejected]`.
/// </summary>
public static class PushPolicyHook
{
    /// <summary>Set by the server on every push: the full names of the protected branches.</summary>
    public const string ProtectedRefsVariable = "MLOPS_PROTECTED_REFS";

    /// <summary>"1" when the pusher is a maintainer or higher.</summary>
    public const string MaintainerVariable = "MLOPS_PUSHER_IS_MAINTAINER";

    /// <summary>Marks a push that comes through the server; local maintenance by an operator is not checked.</summary>
    public const string PushVariable = "MLOPS_PUSH";

    /// <summary>Set when the client has a storage quota: bytes it may still add, and the refusal to print past them.</summary>
    public const string StorageLeftVariable = "MLOPS_STORAGE_LEFT_BYTES";
    public const string StorageRefusalVariable = "MLOPS_STORAGE_REFUSAL";

    // Kept in POSIX sh so it runs wherever git does. Ref names cannot contain whitespace or glob
    // characters (git check-ref-format), so word splitting the list is safe; `set -f` regardless.
    private const string Script = """
        #!/bin/sh
        # Installed by MlOps; rewritten by the server. Enforces protected branches and the storage quota.
        [ -n "$MLOPS_PUSH" ] || exit 0
        set -f
        status=0
        while read -r old new ref; do
            protected=0
            for p in $MLOPS_PROTECTED_REFS; do
                [ "$p" = "$ref" ] && protected=1
            done
            [ "$protected" = 1 ] || continue
            branch=${ref#refs/heads/}
            case "$new" in *[!0]*) deleting=0 ;; *) deleting=1 ;; esac
            case "$old" in *[!0]*) creating=0 ;; *) creating=1 ;; esac
            if [ "$MLOPS_PUSHER_IS_MAINTAINER" != 1 ]; then
                echo "MlOps: You are not allowed to push to the protected branch '$branch': it needs the maintainer role." >&2
                status=1
            elif [ "$deleting" = 1 ]; then
                echo "MlOps: You cannot delete the protected branch '$branch'." >&2
                status=1
            elif [ "$creating" = 0 ] && ! git merge-base --is-ancestor "$old" "$new" 2>/dev/null; then
                echo "MlOps: You cannot force-push to the protected branch '$branch': the push does not descend from its current commit. Pull and merge, or push to another branch." >&2
                status=1
            fi
        done
        # The storage quota: the quarantine holds exactly what this push adds.
        if [ -n "$MLOPS_STORAGE_LEFT_BYTES" ] && [ -n "$GIT_QUARANTINE_PATH" ]; then
            adding=$(find "$GIT_QUARANTINE_PATH" -type f -exec ls -ln {} + 2>/dev/null | awk '{ s += $5 } END { print s + 0 }')
            if [ "$adding" -gt 0 ] && [ "$adding" -gt "$MLOPS_STORAGE_LEFT_BYTES" ]; then
                echo "MlOps: $MLOPS_STORAGE_REFUSAL" >&2
                status=1
            fi
        fi
        exit $status

        """;

    public static void Install(string repositoryPath)
    {
        var hooks = Path.Combine(repositoryPath, "hooks");
        Directory.CreateDirectory(hooks);
        var path = Path.Combine(hooks, "pre-receive");
        var text = Script.Replace("\r\n", "\n");
        if (File.Exists(path) && File.ReadAllText(path) == text)
        {
            return;
        }
        var temp = path + ".tmp";
        File.WriteAllText(temp, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
        }
        File.Move(temp, path, overwrite: true);
    }
}
