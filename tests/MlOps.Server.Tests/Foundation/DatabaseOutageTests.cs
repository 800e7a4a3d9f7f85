using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace MlOps.Server.Tests.Foundation;

/// <summary>
/// PostgreSQL stops under a running server and comes back: requests that need it answer 503 with
/// a problem and Retry-After, the log says so once, and the server recovers without a restart.
/// The server runs on a cluster of its own, which the test stops and starts.
/// </summary>
public sealed class DatabaseOutageTests
{
    private sealed class OutageServer(OwnPostgres cluster) : MlOpsServer
    {
        public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Log { get; } = new();

        protected override IDictionary<string, string?> ExtraSettings =>
            new Dictionary<string, string?> { ["Database:ConnectionString"] = cluster.ConnectionString };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(new Collector(Log)));
        }
    }

    private sealed class Collector(ConcurrentQueue<(LogLevel, string, string, Exception?)> log) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, log);
        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string, string, Exception?)> log) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
                Func<TState, Exception?, string> formatter) => log.Enqueue((logLevel, category, formatter(state, exception), exception));
        }
    }

    [Fact]
    public async Task Requests_DatabaseStoppedThenBack_503WithRetryAfterOneLogLineAndRecoveryWithoutRestart()
    {
        await using var cluster = await OwnPostgres.StartAsync();
        await using var server = new OutageServer(cluster);
        await ((IAsyncLifetime)server).InitializeAsync();
        using var admin = server.Admin();
        var path = "p" + Guid.NewGuid().ToString("N")[..8];
        await MlOpsServer.Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = "admin", path, visibility = "public" }));
        using var anonymous = server.Anonymous();
        using var git = server.Anonymous();
        git.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"admin:{MlOpsServer.AdminToken}")));
        var requests = new (HttpClient Client, string Url)[]
        {
            (admin, $"/api/v1/projects/admin/{path}"),
            (admin, "/healthz"),
            (anonymous, $"/api/v1/projects/admin/{path}"),
            (git, $"/admin/{path}.git/info/refs?service=git-upload-pack"),
        };

        await cluster.StopAsync();
        var during = new List<HttpResponseMessage>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            foreach (var (client, url) in requests)
            {
                during.Add(await client.GetAsync(url));
            }
        }
        var anonymousHealth = await anonymous.GetAsync("/healthz");

        foreach (var response in during)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(5), response.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await MlOpsServer.Read(response);
            Assert.Equal("Database unavailable", problem.GetProperty("title").GetString());
            Assert.Equal("The database is unavailable; try again shortly.", problem.GetProperty("detail").GetString());
        }
        Assert.Equal(HttpStatusCode.OK, anonymousHealth.StatusCode);
        var warnings = server.Log.Where(l => l.Level >= LogLevel.Warning).ToList();
        Assert.Single(warnings);
        Assert.StartsWith("The database is unavailable (", warnings[0].Message);
        Assert.Null(warnings[0].Exception);

        await cluster.StartAgainAsync();
        // Recovery is the pool's and the probe's business; give it what a client honouring Retry-After would.
        HttpResponseMessage after;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            await Task.Delay(500);
            after = await admin.GetAsync($"/api/v1/projects/admin/{path}");
        }
        while (after.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await git.GetAsync($"/admin/{path}.git/info/refs?service=git-upload-pack")).StatusCode);
        while (!server.Log.Any(l => l.Message.StartsWith("The database is back after", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }
        Assert.Contains(server.Log, l => l.Message.StartsWith("The database is back after", StringComparison.Ordinal));
        Assert.Single(server.Log, l => l.Level >= LogLevel.Warning);
    }
}
