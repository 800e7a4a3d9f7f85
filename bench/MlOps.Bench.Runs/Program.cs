// Push-to-run latency (real `git push` of one commit, until the run's creation is committed,
// seen through LISTEN mlops_run_status) and webhook ingest (concurrent GitLab deliveries on
// loopback: answers per second, p50/p99 answer latency). bench/runs/run.sh starts the server.
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
    await ProjectAsync("pushbench");
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
    Git(work, "remote", "add", "origin", $"{server.Scheme}://admin:{token}@{server.Authority}/pushbench/p.git");
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
var projectId = await ProjectAsync("hookbench");
const string secret = "bench-hook-secret-0123456789";
await using (var db = new NpgsqlConnection(database))
{
    await db.ExecuteAsync("""
        INSERT INTO gitlab_links (project_id, base_url, gitlab_project_id, gitlab_path, http_url_to_repo, token_encrypted, hook_secret_encrypted)
        VALUES (@projectId, 'http://127.0.0.1:1/', 424242, 'bench/p', 'http://127.0.0.1:1/bench/p.git', @token, @secret);
        UPDATE projects SET git_backend = 'gitlab' WHERE id = @projectId;
        """, new { projectId, token = Protect("glpat-bench"), secret = Protect(secret) });
}
var payload = JsonNode.Parse(fixture)!.AsObject();
payload["project"]!["id"] = 424242;
payload["project_id"] = 424242;
var bodies = Enumerable.Range(0, 64).Select(i =>
{
    payload["after"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
    return Encoding.UTF8.GetBytes(payload.ToJsonString());
}).ToArray();
using var hooks = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency }) { BaseAddress = server };
async Task<double> DeliverAsync(int n)
{
    using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/gitlab") { Content = new ByteArrayContent(bodies[Math.Abs(n) % bodies.Length]) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Add("X-Gitlab-Event", "Push Hook");
    request.Headers.Add("X-Gitlab-Token", secret);
    request.Headers.Add("Idempotency-Key", $"bench-{n}");
    var start = Stopwatch.GetTimestamp();
    using var response = await hooks.SendAsync(request);
    if ((int)response.StatusCode != 202) throw new InvalidOperationException($"delivery {n}: {(int)response.StatusCode}");
    return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
}
for (var i = 0; i < 500; i++) await DeliverAsync(-1 - i);   // warm-up: JIT, pools
var latencies = new double[deliveries];
var next = -1;
var wall = Stopwatch.StartNew();
await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
{
    int n;
    while ((n = Interlocked.Increment(ref next)) < deliveries) latencies[n] = await DeliverAsync(n);
}));
wall.Stop();
Console.WriteLine($"webhook ingest ({deliveries} GitLab push deliveries, {concurrency} connections, loopback): " +
    $"{deliveries / wall.Elapsed.TotalSeconds:F0} deliveries/s, p50 {P(latencies, 50):F2} ms, p99 {P(latencies, 99):F2} ms");
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
