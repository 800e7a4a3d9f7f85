using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure.Outbound;
using Octokit;
using Octokit.Internal;

namespace MlOps.Server.Features.GitHub;

/// <summary>
/// Octokit clients whose HTTP goes through the outbound guard's connect-time handler: the API
/// host is resolved and checked when the socket connects (no DNS rebinding between a check and
/// the connection), redirects Octokit follows are checked the same way, and no proxy is used.
/// </summary>
public sealed class GitHubApiClients(OutboundPolicy policy, IOptions<OutboundOptions> outbound, IOptionsMonitor<GitHubOptions> options)
{
    /// <summary>A client for one call with the link's token; dispose it to close its connections.</summary>
    public Lease Create(string token)
    {
        var http = new HttpClientAdapter(() => new JsonContentType { InnerHandler = OutboundHttp.CreateHandler(policy, outbound.Value) });
        var connection = new Connection(new ProductHeaderValue("MlOps"), WithTrailingSlash(options.CurrentValue.ApiUrl),
            new InMemoryCredentialStore(new Credentials(token)), http, new SimpleJsonSerializer());
        return new Lease(new GitHubClient(connection), http);
    }

    // Octokit's paths are relative ("repos/..."): without the slash, https://host/api/v3 would lose its "v3".
    private static Uri WithTrailingSlash(Uri url) => url.AbsoluteUri.EndsWith('/') ? url : new Uri(url.AbsoluteUri + "/");

    /// <summary>
    /// Octokit sends its JSON bodies as application/x-www-form-urlencoded; GitHub documents (and
    /// a proxy or GitHub Enterprise may insist on) application/json for them.
    /// </summary>
    private sealed class JsonContentType : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content?.Headers.ContentType?.MediaType == "application/x-www-form-urlencoded")
            {
                request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }
            return base.SendAsync(request, cancellationToken);
        }
    }

    public sealed class Lease(GitHubClient client, IDisposable http) : IDisposable
    {
        public GitHubClient Client { get; } = client;

        public void Dispose() => http.Dispose();
    }
}
