using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Webhooks;

public sealed record DeliveryAccepted(string Status);

/// <summary>
/// `POST /webhooks/gitlab`: the hook a GitLab link registered. The token is checked in constant
/// time against the link's secret; the delivery is stored and answered 202 in the request, and
/// processed afterwards (GitLab gives up after 10 s and disables hooks that keep failing).
/// </summary>
public sealed class GitLabWebhookEndpoint(DeliveryWriter deliveries, HookTargets targets, IOptions<WebhookOptions> options)
{
    public async Task<Accepted<DeliveryAccepted>> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (raw, json) = await WebhookBody.ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        using var _ = json;
        var token = request.Headers["X-Gitlab-Token"].ToString();
        var target = await AuthenticateAsync(json.RootElement, token, cancellationToken)
            ?? throw new UnauthorizedException("The X-Gitlab-Token does not match a linked project's webhook secret.");
        var @event = request.Headers["X-Gitlab-Event"].ToString() is { Length: > 0 } e ? e : "unknown";
        var key = FirstHeader(request, "Idempotency-Key", "X-Gitlab-Webhook-UUID")
            ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw));
        var stored = await deliveries.StoreAsync(new NewDelivery(target, "gitlab", @event[..Math.Min(@event.Length, 100)],
            key[..Math.Min(key.Length, 200)], Encoding.UTF8.GetString(raw)), cancellationToken);
        return TypedResults.Accepted((string?)null, new DeliveryAccepted(stored ? "stored" : "duplicate"));
    }

    private async Task<long?> AuthenticateAsync(JsonElement payload, string token, CancellationToken cancellationToken)
    {
        if (token.Length == 0 || GitLabProjectId(payload) is not { } gitlabProjectId)
        {
            return null;
        }
        var presented = Encoding.UTF8.GetBytes(token);
        var matched = await targets.MatchGitLabAsync(gitlabProjectId, secret => CryptographicOperations.FixedTimeEquals(presented, secret),
            cancellationToken);
        return matched.Count > 0 ? matched[0] : null;
    }

    private static long? GitLabProjectId(JsonElement payload)
    {
        if (payload.TryGetProperty("project", out var project) && project.ValueKind == JsonValueKind.Object
            && project.TryGetProperty("id", out var id) && id.TryGetInt64(out var value))
        {
            return value;
        }
        return payload.TryGetProperty("project_id", out var pid) && pid.TryGetInt64(out var top) ? top : null;
    }

    private static string? FirstHeader(HttpRequest request, params string[] names) =>
        names.Select(n => request.Headers[n].ToString()).FirstOrDefault(v => v.Length > 0);
}
