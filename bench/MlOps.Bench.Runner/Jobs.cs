using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

/// <summary>
/// Trivial one-step runs end to end, as a user starts them: a manual run through the API (POST
/// /api/v1/projects/{project}/runs), until the run is success. Its end is seen through LISTEN
/// mlops_run_status (sent when a run's status changes, in the transaction that changes it), so
/// watching costs the two shared cores nothing; polling GET /runs/{id} every 2 ms cost the server
/// most of a core while the engine started the container it was timing. Prints one duration (ms)
/// per run. The job is an inline step, so the runner stages a real checkout of the commit through
/// Git HTTP with its job token, streams its log and reports its end before the run can be success.
/// With a BARE command, it runs after each run and each line holds both durations, ours then
/// the bare command's: interleaved, a drift in the engine's speed during the measure (seen as
/// 375 against 477 ms medians of the same `docker run` in two runs) weighs on both alike. Each
/// measure starts half a second after the last one ended, on an engine done removing containers.
/// Arguments: jobs URL TOKEN PROJECT PIPELINE COUNT DATABASE [BARE COMMAND ...]
/// </summary>
static class Jobs
{
    public static async Task<int> RunAsync(Uri server, string token, string project, string pipeline, int count, string database,
        IReadOnlyList<string> bare)
    {
        using var api = new HttpClient { BaseAddress = server };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await using var listener = new NpgsqlConnection(database);
        await listener.OpenAsync();
        await using (var listen = new NpgsqlCommand("LISTEN mlops_run_status", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }
        await using var reader = new NpgsqlConnection(database);
        await reader.OpenAsync();
        for (var i = 0; i < count; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var created = await api.PostAsJsonAsync($"/api/v1/projects/{project}/runs", new { pipeline, @ref = "main" });
            if (!created.IsSuccessStatusCode)
            {
                Console.Error.WriteLine($"POST runs answered {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
                return 1;
            }
            var runId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetInt64();
            string status;
            while ((status = await StatusAsync(reader, runId)) is not ("success" or "failed" or "canceled" or "skipped"))
            {
                // Read again at each notification (a notification that came while reading is
                // buffered on the connection and ends this wait at once), and at least every second.
                await listener.WaitAsync(TimeSpan.FromSeconds(1));
            }
            var took = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (status != "success")
            {
                Console.Error.WriteLine($"run {runId} ended {status}");
                return 1;
            }
            if (bare.Count == 0)
            {
                Console.WriteLine($"{took:F1}");
                continue;
            }
            await Task.Delay(500);
            var bareStarted = Stopwatch.GetTimestamp();
            using (var process = Process.Start(new ProcessStartInfo(bare[0], bare.Skip(1)) { RedirectStandardOutput = true })!)
            {
                await process.StandardOutput.ReadToEndAsync();
                await process.WaitForExitAsync();
                if (process.ExitCode != 0)
                {
                    Console.Error.WriteLine($"{string.Join(' ', bare)} exited with {process.ExitCode}");
                    return 1;
                }
            }
            Console.WriteLine($"{took:F1} {Stopwatch.GetElapsedTime(bareStarted).TotalMilliseconds:F1}");
            await Task.Delay(500);
        }
        return 0;
    }

    private static async Task<string> StatusAsync(NpgsqlConnection db, long runId)
    {
        await using var query = new NpgsqlCommand("SELECT status FROM runs WHERE id = $1", db) { Parameters = { new() { Value = runId } } };
        return (string)(await query.ExecuteScalarAsync())!;
    }
}
