using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text;

namespace MlOps.Server.Tests.GitLab;

/// <summary>A recorded GitLab reply: status, body (a fixture file's text) and headers.</summary>
public sealed record Recorded(HttpStatusCode Status, string Body = "{}", TimeSpan? RetryAfter = null)
{
    public static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "gitlab", name));

    public static Recorded Ok(string fixture) => new(HttpStatusCode.OK, Fixture(fixture));

    public static Recorded Created(string fixture) => new(HttpStatusCode.Created, Fixture(fixture));
}

/// <summary>
/// Stands in for GitLab at the HTTP layer: replays queued responses per "METHOD path" and
/// records every request it saw (with its body), so the client's whole pipeline, resilience
/// included, runs as it does against the real thing.
/// </summary>
public sealed class RecordedGitLabHandler : HttpMessageHandler
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<Recorded>> replies = new();

    public ConcurrentQueue<(string Key, string? Token, string Body, DateTimeOffset At)> Requests { get; } = new();

    public RecordedGitLabHandler Reply(string key, params Recorded[] responses)
    {
        var queue = replies.GetOrAdd(key, _ => new ConcurrentQueue<Recorded>());
        foreach (var response in responses)
        {
            queue.Enqueue(response);
        }
        return this;
    }

    public int Count(string key) => Requests.Count(r => r.Key == key);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var key = $"{request.Method} {request.RequestUri!.AbsolutePath}";
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        var token = request.Headers.TryGetValues("PRIVATE-TOKEN", out var values) ? values.Single() : null;
        Requests.Enqueue((key, token, body, DateTimeOffset.UtcNow));
        if (!replies.TryGetValue(key, out var queue) || !queue.TryDequeue(out var reply))
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent("""{"message":"404 Not Found"}""", Encoding.UTF8, "application/json"),
            };
        }
        var response = new HttpResponseMessage(reply.Status)
        {
            Content = new StringContent(reply.Body, Encoding.UTF8, "application/json"),
        };
        if (reply.RetryAfter is { } delay)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(delay);
        }
        return response;
    }
}
