using System.Text.Json;
using MlOps.Server.Git;
using Octokit.Webhooks.Events;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// What a GitHub delivery means for us, parsed with Octokit.Webhooks' event types: a push (branch
/// or tag; a deletion too, which makes no run), a pull request opened, reopened or synchronized
/// (new commits) as a merge request event at refs/pull/&lt;n&gt;/head, or nothing (ping and the rest).
/// </summary>
public static class GitHubDeliveryTranslator
{
    public const string Source = "github";
    private const string Zero = "0000000000000000000000000000000000000000";

    public static WebhookPushEvent? Translate(string @event, string payload, long projectId, long deliveryId)
    {
        switch (@event)
        {
            case "push":
                var push = JsonSerializer.Deserialize<Octokit.Webhooks.Events.PushEvent>(payload)!;
                return new WebhookPushEvent(new MlOps.Server.Git.PushEvent(projectId, Source, push.Ref, push.Before, push.After ?? Zero, null,
                    push.Pusher.Name) { PusherEmail = push.Pusher.Email }, deliveryId);
            case "pull_request":
                var pr = JsonSerializer.Deserialize<PullRequestEvent>(payload)!;
                if (pr.Action is not ("opened" or "reopened" or "synchronize"))
                {
                    return null;
                }
                return new WebhookPushEvent(new MlOps.Server.Git.PushEvent(projectId, Source, $"refs/pull/{pr.Number}/head", Zero,
                    pr.PullRequest.Head.Sha, null, pr.Sender?.Login ?? "github"), deliveryId, "merge_request", pr.PullRequest.Base.Ref);
            default:
                return null;
        }
    }
}
