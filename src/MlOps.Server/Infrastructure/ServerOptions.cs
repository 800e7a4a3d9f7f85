namespace MlOps.Server.Infrastructure;

public sealed class ServerOptions
{
    public const string Section = "Server";

    /// <summary>`MLOPS_EXTERNAL_URL`: the server's public address, for links it hands out; the request's own address when unset.</summary>
    public string? ExternalUrl { get; set; }

    /// <summary>The address clients reach this server at, without a trailing slash.</summary>
    public string BaseUrl(HttpRequest request) => string.IsNullOrEmpty(ExternalUrl)
        ? $"{request.Scheme}://{request.Host}{request.PathBase}"
        : ExternalUrl.TrimEnd('/');
}
