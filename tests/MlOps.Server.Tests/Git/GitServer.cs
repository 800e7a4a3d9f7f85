namespace MlOps.Server.Tests.Git;

/// <summary>
/// The server on a real port with one user per role. Each test arranges its own group and
/// project (<see cref="ArrangeAsync"/>), so tests run in any order and in parallel.
/// </summary>
public class GitServer : KestrelMlOpsServer
{
    public const string Maintainer = "git-maintainer";
    public const string Developer = "git-developer";
    public const string Reporter = "git-reporter";
    public const string Outsider = "git-outsider";

    public Dictionary<string, string> Tokens { get; } = new();

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var user in new[] { Maintainer, Developer, Reporter, Outsider })
        {
            Tokens[user] = await CreateUserAsync(user);
        }
    }

    /// <summary>A fresh group with maintainer, developer and reporter members and a project `p`; returns "group/p".</summary>
    public async Task<string> ArrangeAsync(string visibility = "private")
    {
        var group = "g" + Guid.NewGuid().ToString("N")[..10];
        using var admin = Admin();
        await Ensure(await admin.PostAsJsonAsync("/api/v1/groups", new { path = group, visibility }));
        foreach (var (user, role) in new[] { (Maintainer, "maintainer"), (Developer, "developer"), (Reporter, "reporter") })
        {
            await Ensure(await admin.PostAsJsonAsync($"/api/v1/groups/{group}/members", new { username = user, role }));
        }
        await Ensure(await admin.PostAsJsonAsync("/api/v1/projects", new { @namespace = group, path = "p", visibility }));
        return $"{group}/p";
    }

    public string Url(string repository, string user) => GitCli.Url(BaseAddress, repository, user, Tokens[user]);

    public string AdminUrl(string repository) => GitCli.Url(BaseAddress, repository, "admin", AdminToken);

    /// <summary>An HttpClient to the real port (for raw Git HTTP requests), with basic credentials when given.</summary>
    public HttpClient Http(string? user = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (user is not null)
        {
            var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{user}:{Tokens[user]}"));
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", basic);
        }
        return client;
    }

    public async Task<JsonElement> GetJsonAsync(string url)
    {
        using var admin = Admin();
        return await Ensure(await admin.GetAsync(url));
    }

    public static string Api(string repository) =>
        $"/api/v1/projects/{Uri.EscapeDataString(repository[..repository.LastIndexOf('/')])}/{repository[(repository.LastIndexOf('/') + 1)..]}";
}
