using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MlOps.Server.Tests.Infrastructure;

/// <summary>
/// The real server (Program) on its own throwaway database and data folder. Use as a class
/// fixture; <see cref="KestrelMlOpsServer"/> listens on a real port for clients like `git`.
/// </summary>
public class MlOpsServer : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminToken = "mlops-test-admin-token-0123456789";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    static MlOpsServer()
    {
        // Read by Program before the factory's own configuration applies; background workers are
        // not needed by these tests and would only compete for the two cores.
        Environment.SetEnvironmentVariable("Hangfire__ServerEnabled", "false");
    }

    private TestDatabase? database;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "mlops-test-" + Guid.NewGuid().ToString("N")[..12]);

    public TestDatabase Database => database ?? throw new InvalidOperationException("The fixture is not initialised.");

    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    public virtual async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        Directory.CreateDirectory(DataDir);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.ConfigureAppConfiguration(config =>
        {
            var settings = new Dictionary<string, string?>
            {
                ["Database:ConnectionString"] = Database.ConnectionString,
                ["Bootstrap:AdminToken"] = AdminToken,
                ["Storage:DataDir"] = DataDir,
                ["Hangfire:ServerEnabled"] = "false",
            };
            foreach (var (key, value) in ExtraSettings)
            {
                settings[key] = value;
            }
            config.AddInMemoryCollection(settings);
        });
    }

    public HttpClient Anonymous() =>
        CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = ClientBaseAddress });

    /// <summary>Where <see cref="Anonymous"/> clients send requests: the in-memory server, or the real port.</summary>
    protected virtual Uri ClientBaseAddress => new("http://localhost");

    public HttpClient As(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public HttpClient Admin() => As(AdminToken);

    /// <summary>Creates a user with an all-scopes token; returns the token.</summary>
    public async Task<string> CreateUserAsync(string username, params string[] scopes)
    {
        using var admin = Admin();
        var created = await admin.PostAsJsonAsync("/api/v1/users", new { username, email = $"{username}@example.com" });
        await Ensure(created);
        return await CreateTokenAsync(username, scopes.Length == 0 ? ["api", "read_repository", "write_repository"] : scopes);
    }

    public async Task<string> CreateTokenAsync(string username, string[] scopes, DateTimeOffset? expiresAt = null)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync($"/api/v1/users/{username}/tokens",
            new { name = "test", scopes, expires_at = expiresAt });
        await Ensure(response);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Json)).GetProperty("token").GetString()!;
    }

    public static async Task<JsonElement> Ensure(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} " +
                $"answered {(int)response.StatusCode}: {body}");
        }
        return body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
    }

    public static async Task<JsonElement> Read(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (database is not null)
        {
            await database.DisposeAsync();
        }
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The server on a real loopback port, for the `git` and `git-lfs` command-line clients.</summary>
public class KestrelMlOpsServer : MlOpsServer
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        UseKestrel(0);
        StartServer();
    }

    // With Kestrel the factory's clients use real sockets, so they need the real port.
    protected override Uri ClientBaseAddress => BaseAddress;

    /// <summary>The server's base address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress
    {
        get
        {
            var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            return new Uri(address.Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1"));
        }
    }
}
