using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MlOps.Server.Features.GitHub;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// `POST /webhooks/github`: `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the link's
/// secret) checked in constant time for each project linked to the payload's repository; stored
/// once per `X-GitHub-Delivery` and answered 202; processed afterwards.
/// </summary>
public sealed class GitHubWebhookEndpoint(DeliveryWriter deliveries, HookTargets targets, IOptions<WebhookOptions> options)
{
    public async Task<Accepted<DeliveryAccepted>> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (raw, json) = await WebhookBody.ReadAsync(request, options.Value.MaxBodyBytes, cancellationToken);
        using var _ = json;
        var signature = request.Headers["X-Hub-Signature-256"].ToString();
        var repository = json.RootElement.TryGetProperty("repository", out var repo) && repo.ValueKind == JsonValueKind.Object
            && repo.TryGetProperty("full_name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
        IReadOnlyList<long> matching = [];
        if (signature.StartsWith("sha256=", StringComparison.Ordinal) && repository is not null
            && TryHex(signature["sha256=".Length..]) is { } presented)
        {
            matching = await targets.MatchGitHubAsync(repository,
                secret => CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret, raw), presented), cancellationToken);
        }
        if (matching.Count == 0)
        {
            throw new UnauthorizedException("The X-Hub-Signature-256 does not match a linked project's webhook secret.");
        }
        var @event = request.Headers["X-GitHub-Event"].ToString() is { Length: > 0 } e ? e[..Math.Min(e.Length, 100)] : "unknown";
        var key = request.Headers["X-GitHub-Delivery"].ToString() is { Length: > 0 } d ? d[..Math.Min(d.Length, 200)]
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(raw));
        var stored = false;
        foreach (var projectId in matching)
        {
            stored |= await deliveries.StoreAsync(
                new NewDelivery(projectId, GitHubDeliveryTranslator.Source, @event, key, Encoding.UTF8.GetString(raw)), cancellationToken);
        }
        return TypedResults.Accepted((string?)null, new DeliveryAccepted(stored ? "stored" : "duplicate"));
    }

    private static byte[]? TryHex(string hex)
    {
        try
        {
            return hex.Length == 64 ? Convert.FromHexString(hex) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
