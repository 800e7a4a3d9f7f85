using System.Text.Json;
using MlOps.Server.Git;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// Turns a GitLab "Push Hook" / "Tag Push Hook" delivery into the same push event an embedded push
/// produces, for the webhook endpoint to record once it has verified `X-Gitlab-Token`.
/// </summary>
public static class GitLabPushPayload
{
    public static PushEvent? ToPushEvent(JsonElement payload, long projectId)
    {
        var kind = payload.TryGetProperty("object_kind", out var k) ? k.GetString() : null;
        if (kind is not ("push" or "tag_push")
            || !payload.TryGetProperty("ref", out var refName) || !payload.TryGetProperty("before", out var before)
            || !payload.TryGetProperty("after", out var after))
        {
            return null;
        }
        var username = payload.TryGetProperty("user_username", out var u) ? u.GetString() : null;
        return new PushEvent(projectId, GitLabGitBackend.KindName, refName.GetString()!, before.GetString()!, after.GetString()!,
            null, username ?? "gitlab")
        {
            PusherEmail = payload.TryGetProperty("user_email", out var email) && email.ValueKind == JsonValueKind.String ? email.GetString() : null,
        };
    }
}
