using System.Text.Json;
using MlOps.Server.Features.GitLab;
using MlOps.Server.Git;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// What a GitLab delivery means for us: a push event (Push Hook, Tag Push Hook), a merge request
/// event (Merge Request Hook: open, reopen, update with new commits, merge), or nothing.
/// </summary>
public static class GitLabDeliveryTranslator
{
    private const string Zero = "0000000000000000000000000000000000000000";

    public static WebhookPushEvent? Translate(JsonElement payload, long projectId, long deliveryId)
    {
        var kind = Text(payload, "object_kind");
        if (kind is "push" or "tag_push")
        {
            return GitLabPushPayload.ToPushEvent(payload, projectId) is { } push ? new WebhookPushEvent(push, deliveryId) : null;
        }
        if (kind != "merge_request" || !payload.TryGetProperty("object_attributes", out var mr))
        {
            return null;
        }
        var action = Text(mr, "action");
        // An update without `oldrev` changed the title, labels or assignees, not the code.
        if (action is not ("open" or "reopen" or "update" or "merge") || (action == "update" && Text(mr, "oldrev") is null))
        {
            return null;
        }
        var target = Text(mr, "target_branch");
        var head = mr.TryGetProperty("last_commit", out var last) ? Text(last, "id") : null;
        var sha = action == "merge" ? Text(mr, "merge_commit_sha") ?? head : head;
        if (target is null || sha is null || !mr.TryGetProperty("iid", out var iid))
        {
            return null;
        }
        var gitRef = action == "merge" ? "refs/heads/" + target : $"refs/merge-requests/{iid.GetInt64()}/head";
        var user = payload.TryGetProperty("user", out var u) ? u : default;
        var pusher = new PushEvent(projectId, GitLabGitBackend.KindName, gitRef, Zero, sha, null,
            (user.ValueKind == JsonValueKind.Object ? Text(user, "username") : null) ?? "gitlab")
        {
            PusherEmail = user.ValueKind == JsonValueKind.Object ? Text(user, "email") : null,
        };
        return new WebhookPushEvent(pusher, deliveryId, "merge_request", target);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
