using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>
/// Decides, after DNS resolution, whether the server may open a connection to a host. Every
/// outbound connection goes through <see cref="ResolveAsync"/> (the HTTP clients at connect time,
/// see <see cref="OutboundHttp"/>; the mirror just before LibGit2Sharp fetches), so a name that
/// resolves to a local address, or is rebound to one after a first public answer, is refused.
/// </summary>
public sealed class OutboundPolicy(IOptionsMonitor<OutboundOptions> options)
{
    /// <summary>
    /// The addresses of <paramref name="host"/> that may be contacted. Throws
    /// <see cref="OutboundRefusedException"/> when any of them is local and not allowed: a name
    /// that resolves to both a public and a local address is refused rather than half-trusted.
    /// </summary>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var name = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(name, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(name, cancellationToken);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }
        var settings = AllowList.Parse(options.CurrentValue.AllowedHosts);
        if (settings.AllowsName(name))
        {
            return addresses;
        }
        foreach (var address in addresses)
        {
            if (!IsAllowed(address, settings))
            {
                throw new OutboundRefusedException(host);
            }
        }
        return addresses;
    }

    /// <summary>Checks the host of <paramref name="url"/> (for clients that connect by themselves, such as libgit2).</summary>
    public Task EnsureAllowedAsync(Uri url, CancellationToken cancellationToken) => ResolveAsync(url.Host, cancellationToken);

    private bool IsAllowed(IPAddress address, AllowList allowList)
    {
        var kind = AddressKinds.Classify(address);
        if (kind == AddressKind.Public || allowList.AllowsAddress(address))
        {
            return true;
        }
        return kind == AddressKind.Local && options.CurrentValue.AllowLocalNetwork;
    }
}
