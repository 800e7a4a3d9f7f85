using System.Diagnostics;
using System.Text;
using System.Text.Json;

/// <summary>
/// Claims per second: RUNNERS registered runners (one keep-alive connection each, as the real
/// runner keeps) ask for jobs back to back until the queue is empty, through the same
/// POST /api/v1/runner/jobs/request the runner uses. One round per TAG, in this one process, the
/// runners asking for jobs of that tag only: the first rounds warm up the server and this client
/// (both fresh processes, whose code the JIT optimises over the first thousands of claims), the
/// last is the measure. Prints each round's claims/s up to its last claim and writes what each
/// runner was told (job id, runner name) to a CSV that bench/runner/run.sh checks against the
/// database. Arguments: claims URL REGISTRATION_TOKEN RUNNERS OUT.csv TAG [TAG ...]
/// </summary>
static class Claims
{
    public static async Task<int> RunAsync(Uri server, string registration, int runners, string output, IReadOnlyList<string> tags)
    {
        using var http = new HttpClient { BaseAddress = server };
        var names = Enumerable.Range(0, runners).Select(i => $"claims-{i}").ToArray();
        var connections = await Task.WhenAll(names.Select(_ => RawHttpConnection.OpenAsync(server)));
        var all = new List<(long Job, string Runner)>();
        foreach (var (tag, round) in tags.Select((t, k) => (t, k + 1)))
        {
            // Runners registered anew for each round (same names), so none starts it holding jobs.
            var tokens = new string[runners];
            for (var i = 0; i < runners; i++)
            {
                using var registered = await http.PostAsync("/api/v1/runner/register", Json(new { registration_token = registration, name = names[i] }));
                registered.EnsureSuccessStatusCode();
                tokens[i] = JsonDocument.Parse(await registered.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
            }
            var claimed = await RoundAsync(server, connections, names, tokens, tag);
            if (claimed is null)
            {
                return 1;
            }
            all.AddRange(claimed.Select(c => (c.Job, c.Runner)));
            // Pollers wait out one long poll once the queue is empty: the rate counts up to the last claim.
            var times = claimed.Select(c => c.At).Order().ToArray();
            var elapsed = TimeSpan.FromTicks(times[^1] * TimeSpan.TicksPerSecond / Stopwatch.Frequency);
            var label = round < tags.Count ? $"warm-up round {round}" : "measured round";
            // The rate per 500 claims shows a warm-up, or a slowdown as the queue drains.
            var steps = Enumerable.Range(1, (times.Length - 1) / 500).Select(k =>
                (500.0 * Stopwatch.Frequency / (times[k * 500] - times[(k - 1) * 500])).ToString("F0"));
            Console.WriteLine($"{label}: claims/s per 500 claims: {string.Join(' ', steps)}");
            Console.WriteLine($"{label}: claims: {claimed.Count} jobs by {runners} runners in {elapsed.TotalSeconds:F2} s = " +
                $"{claimed.Count / elapsed.TotalSeconds:F0} claims/s (target >= 1,000/s), " +
                $"{claimed.Count - claimed.Select(c => c.Job).Distinct().Count()} answered twice");
        }
        File.WriteAllLines(output, all.Select(c => $"{c.Job},{c.Runner}"));
        return 0;
    }

    /// <summary>Every runner asks for jobs of <paramref name="tag"/> until answered 204; what each was given, and when (ticks from the start).</summary>
    private static async Task<List<(long Job, string Runner, long At)>?> RoundAsync(Uri server, RawHttpConnection[] connections,
        string[] names, string[] tokens, string tag)
    {
        var capacity = new { concurrency = 1024, executor = "process", tags = new[] { tag }, gpus = Array.Empty<object>(), cpus = 64, memory_bytes = 1L << 40 };
        var claimed = new List<(long Job, string Runner, long At)>();
        var clock = Stopwatch.StartNew();
        var errors = 0;
        await Task.WhenAll(Enumerable.Range(0, names.Length).Select(async i =>
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new { token = tokens[i], capacity });
            var request = Encoding.ASCII.GetBytes($"POST /api/v1/runner/jobs/request HTTP/1.1\r\nHost: {server.Authority}\r\n" +
                $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n").Concat(body).ToArray();
            while (true)
            {
                var (status, answer) = await connections[i].SendAndReadAsync(request);
                if (status == 204)
                {
                    return;
                }
                if (status != 201)
                {
                    Console.Error.WriteLine($"claim answered {status}: {Encoding.UTF8.GetString(answer)}");
                    Interlocked.Increment(ref errors);
                    return;
                }
                var id = JsonDocument.Parse(answer).RootElement.GetProperty("id").GetInt64();
                lock (claimed)
                {
                    claimed.Add((id, names[i], clock.ElapsedTicks));
                }
            }
        }));
        if (errors > 0 || claimed.Count == 0)
        {
            Console.Error.WriteLine($"claims failed ({tag}): {errors} errors, {claimed.Count} claims");
            return null;
        }
        return claimed;
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");
}
