using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>
/// An outbound request to an address the <see cref="OutboundPolicy"/> does not allow. Thrown before
/// any byte is sent; the message names the host the caller gave, never ports or what answers there.
/// </summary>
public sealed class OutboundRefusedException(string host)
    : ApiException("Outbound request refused",
        $"{host} resolves to a loopback, private or otherwise local address, which this server does not contact unless an "
        + "administrator allows it (Outbound:AllowedHosts or Outbound:AllowLocalNetwork).")
{
    public string Host { get; } = host;
    public override int StatusCode => StatusCodes.Status400BadRequest;
}

/// <summary>A forge (GitLab, GitHub) answered something that is not what its API documents: 502, naming the forge.</summary>
public sealed class ForgeResponseException(string forge, string detail) : ApiException("Bad Gateway", detail)
{
    public string Forge { get; } = forge;
    public override int StatusCode => StatusCodes.Status502BadGateway;
}
