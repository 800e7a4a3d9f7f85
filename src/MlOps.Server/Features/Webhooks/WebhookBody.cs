using System.Text.Json;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Webhooks;

public sealed class WebhookOptions
{
    public const string Section = "Webhooks";

    /// <summary>
    /// Largest delivery accepted. GitLab caps a push's commits at 20 and GitHub's payloads stay
    /// under 25 MB by its own rule; ours need far less, and a larger body is refused with 413.
    /// </summary>
    public int MaxBodyBytes { get; set; } = 2 * 1024 * 1024;

    public int MaxAttempts { get; set; } = 8;

    /// <summary>Turn stored deliveries into push events in this process (every replica may; they share the work).</summary>
    public bool ProcessDeliveries { get; set; } = true;
}

/// <summary>Reads a webhook body within the limit and parses it; 413 past the limit, 400 for malformed JSON.</summary>
public static class WebhookBody
{
    public static async Task<(byte[] Raw, JsonDocument Json)> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            throw RequestSizeLimitMiddleware.TooLarge(limit);
        }
        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 16 * 1024);
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                throw RequestSizeLimitMiddleware.TooLarge(limit);
            }
            buffer.Write(chunk, 0, read);
        }
        var raw = buffer.ToArray();
        try
        {
            var json = JsonDocument.Parse(raw);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                json.Dispose();
                throw new ValidationException("body", "The body must be a JSON object.");
            }
            return (raw, json);
        }
        catch (JsonException e)
        {
            throw new ValidationException("body", $"The body is not valid JSON: {e.Message}");
        }
    }
}
