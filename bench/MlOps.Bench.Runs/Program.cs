// Push-to-run latency (real `git push` of one commit, until the run's creation is committed,
// seen through LISTEN mlops_run_status) and webhook ingest (GitLab deliveries on loopback, at a
// set rate and then back to back: answers per second, p50/p99 answer latency).
// bench/runs/run.sh starts the server.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using Npgsql;

var server = new Uri(Environment.GetEnvironmentVariable("SERVER")!);
var token = Environment.GetEnvironmentVariable("TOKEN")!;
var database = Environment.GetEnvironmentVariable("DATABASE")!;
var masterKey = Convert.FromBase64String(Environment.GetEnvironmentVariable("MASTER_KEY")!);
var pushes = int.Parse(Environment.GetEnvironmentVariable("PUSHES") ?? "50");
var deliveries = int.Parse(Environment.GetEnvironmentVariable("DELIVERIES") ?? "20000");
var concurrency = int.Parse(Environment.GetEnvironmentVariable("CONCURRENCY") ?? "32");
var rate = int.Parse(Environment.GetEnvironmentVariable("RATE") ?? "2000");
var rateSeconds = int.Parse(Environment.GetEnvironmentVariable("RATE_SECONDS") ?? "10");
// Unique names: the bench may run again against the same server.
var suffix = DateTime.UtcNow.ToString("HHmmssfff");
var fixture = File.ReadAllText(Environment.GetEnvironmentVariable("PUSH_FIXTURE")!);

using var api = new HttpClient { BaseAddress = server };
api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
async Task<long> ProjectAsync(string group)
{
    (await api.PostAsJsonAsync("/api/v1/groups", new { path = group })).EnsureSuccessStatusCode();
    var created = await api.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p" });
    created.EnsureSuccessStatusCode();
    return (await created.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<long>();
}

// --- push to run (PUSHES=0 skips it) ------------------------------------------------------------
var work = Directory.CreateTempSubdirectory("mlops-bench-runs").FullName;
await using var listener = new NpgsqlConnection(database);
var created = new SemaphoreSlim(0);
if (pushes > 0)
{
    await ProjectAsync($"pushbench-{suffix}");
    Git(work, "init", "-q");
    File.WriteAllText(Path.Combine(work, "mlops.yml"), """
        pipelines:
          train:
            on: { push: { branches: [main] } }
            steps:
              prepare: { image: "python:3.12-slim", run: "python3 prepare.py" }
              fit: { image: "python:3.12-slim", needs: [prepare], run: "python3 fit.py" }
        """);
    File.WriteAllText(Path.Combine(work, "data.txt"), "start");
    Git(work, "add", ".");
    Git(work, "commit", "-qm", "pipeline");
    Git(work, "remote", "add", "origin", $"{server.Scheme}://admin:{token}@{server.Authority}/pushbench-{suffix}/p.git");
    Git(work, "push", "-q", "origin", "main");
    await listener.OpenAsync();
    listener.Notification += (_, _) => created.Release();
    await listener.ExecuteAsync("LISTEN mlops_run_status");
    await Drain();

    var sincePushStart = new List<double>();
    var sinceAck = new List<double>();
    for (var i = 0; i < pushes; i++)
    {
        File.WriteAllText(Path.Combine(work, "data.txt"), i.ToString());
        Git(work, "commit", "-qam", $"change {i}");
        var start = Stopwatch.GetTimestamp();
        Git(work, "push", "-q", "origin", "main");
        var acked = Stopwatch.GetTimestamp();
        // Two notifications per push: the new run becomes pending, the older one canceled; wait for the first.
        while (!created.Wait(0))
        {
            await listener.WaitAsync(TimeSpan.FromSeconds(10));
        }
        var done = Stopwatch.GetTimestamp();
        sincePushStart.Add(Stopwatch.GetElapsedTime(start, done).TotalMilliseconds);
        sinceAck.Add(Stopwatch.GetElapsedTime(acked, done).TotalMilliseconds);
        await Drain();
    }
    Console.WriteLine($"push to run created ({pushes} pushes, real git push): from push start p50 {P(sincePushStart, 50):F1} ms, p99 {P(sincePushStart, 99):F1} ms; " +
        $"from push acknowledged p50 {P(sinceAck, 50):F1} ms, p99 {P(sinceAck, 99):F1} ms");
}

// --- webhook ingest ----------------------------------------------------------------------------
var projectId = await ProjectAsync($"hookbench-{suffix}");
var gitlabProjectId = Random.Shared.Next(100_000, int.MaxValue);
const string secret = "bench-hook-secret-0123456789";
await using (var db = new NpgsqlConnection(database))
{
    await db.ExecuteAsync("""
        INSERT INTO gitlab_links (project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted, hook_secret_encrypted)
        VALUES (@projectId, 'http://127.0.0.1:1/', @gitlabProjectId, 'bench/p', 'http://127.0.0.1:1/bench/p.git', @token, @secret);
        UPDATE projects SET git_backend = 'gitlab' WHERE id = @projectId;
        """, new { projectId, gitlabProjectId, token = Protect("glpat-bench"), secret = Protect(secret) });
}
var payload = JsonNode.Parse(fixture)!.AsObject();
payload["project"]!["id"] = gitlabProjectId;
payload["project_id"] = gitlabProjectId;
var bodies = Enumerable.Range(0, 64).Select(i =>
{
    payload["after"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    return Encoding.UTF8.GetBytes(payload.ToJsonString());
}).ToArray();
// One keep-alive connection per worker; the same Idempotency-Key is never sent twice.
var connections = new RawHttpConnection[concurrency];
for (var i = 0; i < concurrency; i++) connections[i] = await RawHttpConnection.OpenAsync(server);
async Task<double> DeliverAsync(RawHttpConnection connection, int n)
{
    var body = bodies[Math.Abs(n) % bodies.Length];
    var head = Encoding.ASCII.GetBytes($"POST /webhooks/gitlab HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\n" +
        $"X-Gitlab-Event: Push Hook\r\nX-Gitlab-Token: {secret}\r\nIdempotency-Key: bench-{n}\r\nContent-Length: {body.Length}\r\n\r\n");
    var request = new byte[head.Length + body.Length];
    head.CopyTo(request, 0);
    body.CopyTo(request, head.Length);
    var start = Stopwatch.GetTimestamp();
    var status = await connection.SendAsync(request);
    if (status != 202) throw new InvalidOperationException($"delivery {n}: {status}");
    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
// Open loop (RATE deliveries/s for RATE_SECONDS): delivery n is due at start + n/RATE and its
// latency counts from then, so a slow answer that holds up later sends is charged to them too (no
// coordinated omission). This is the target's question: at 2,000/s, what is p99? A first round
// at the same rate, not counted, warms the server (JIT, pools) and brings the delivery processor
// to its steady pace; without RATE, 500 deliveries back to back do.
async Task<(double[] Latencies, TimeSpan Took)> OpenLoopAsync(int count, int firstKey)
{
    var paced = new double[count];
    var due = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(connections.Select(async connection =>
    {
        int n;
        while ((n = Interlocked.Increment(ref due)) < count)
        {
            var at = TimeSpan.FromSeconds((double)n / rate);
            var wait = at - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait);
            var sent = clock.Elapsed;
            var took = await DeliverAsync(connection, firstKey + n);
            paced[n] = took + Math.Max(0, (sent - at).TotalMilliseconds);
        }
    }));
    return (paced, clock.Elapsed);
}
if (rate > 0)
{
    var count = rate * rateSeconds;
    await OpenLoopAsync(count, -count);
    var (paced, took) = await OpenLoopAsync(count, deliveries);
    Console.WriteLine($"webhook ingest, open loop ({rate} deliveries/s offered for {rateSeconds} s after as long a warm-up, up to {concurrency} connections, loopback): " +
        $"{count / took.TotalSeconds:F0} deliveries/s answered, p50 {P(paced, 50):F2} ms, p90 {P(paced, 90):F2} ms, p99 {P(paced, 99):F2} ms, " +
        $"max {paced.Max():F1} ms (from each delivery's due time)");
}
else
{
    var warmed = -1;
    await Task.WhenAll(connections.Select(async c =>
    {
        int n;
        while ((n = Interlocked.Increment(ref warmed)) < 500) await DeliverAsync(c, -1 - n);
    }));
}

// Closed loop (DELIVERIES=0 skips it): CONCURRENCY connections sending back to back, the most the server answers.
if (deliveries > 0)
{
    var latencies = new double[deliveries];
    var next = -1;
    var wall = Stopwatch.StartNew();
    await Task.WhenAll(connections.Select(async connection =>
    {
        int n;
        while ((n = Interlocked.Increment(ref next)) < deliveries) latencies[n] = await DeliverAsync(connection, n);
    }));
    wall.Stop();
    Console.WriteLine($"webhook ingest, closed loop ({deliveries} GitLab push deliveries, {concurrency} connections back to back, loopback): " +
        $"{deliveries / wall.Elapsed.TotalSeconds:F0} deliveries/s, p50 {P(latencies, 50):F2} ms, p99 {P(latencies, 99):F2} ms");
}
Directory.Delete(work, recursive: true);

// Lets the older run's "canceled" notification and any stragglers arrive, then forgets them.
async Task Drain()
{
    while (await listener.WaitAsync(TimeSpan.FromMilliseconds(200))) { }
    while (created.CurrentCount > 0) created.Wait();
}

byte[] Protect(string plaintext)
{
    // The server's SecretProtector format: version 1, 12-byte nonce, 16-byte tag, ciphertext; the version is the associated data.
    var plain = Encoding.UTF8.GetBytes(plaintext);
    var output = new byte[1 + 12 + 16 + plain.Length];
    output[0] = 1;
    RandomNumberGenerator.Fill(output.AsSpan(1, 12));
    using var aes = new AesGcm(masterKey, 16);
    aes.Encrypt(output.AsSpan(1, 12), plain, output.AsSpan(29), output.AsSpan(13, 16), [1]);
    return output;
}

static double P(IReadOnlyCollection<double> values, int percentile)
{
    var sorted = values.Order().ToArray();
    return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];
}

static void Git(string directory, params string[] args)
{
    var info = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true };
    foreach (var a in args) info.ArgumentList.Add(a);
    info.Environment["GIT_TERMINAL_PROMPT"] = "0";
    using var process = Process.Start(info)!;
    var err = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"git {string.Join(' ', args)}: {err}");
}
