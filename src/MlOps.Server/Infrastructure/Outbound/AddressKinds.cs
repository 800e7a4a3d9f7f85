using System.Net;
using System.Net.Sockets;

namespace MlOps.Server.Infrastructure.Outbound;

public enum AddressKind
{
    /// <summary>On the internet: always allowed.</summary>
    Public,

    /// <summary>Loopback, private, shared (CGNAT), link-local (cloud metadata lives there) or unique-local.</summary>
    Local,

    /// <summary>Unspecified, multicast, broadcast or reserved: never a server to talk to.</summary>
    Never,
}

/// <summary>Which of <see cref="AddressKind"/> an address is (IPv4-mapped IPv6 addresses count as their IPv4 address).</summary>
public static class AddressKinds
{
    private static readonly IPNetwork[] LocalRanges =
    [
        IPNetwork.Parse("127.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("172.16.0.0/12"),
        IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("169.254.0.0/16"),
        IPNetwork.Parse("::1/128"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fec0::/10"),
    ];

    private static readonly IPNetwork[] NeverRanges =
    [
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),
        IPNetwork.Parse("::/128"), IPNetwork.Parse("ff00::/8"),
    ];

    public static AddressKind Classify(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return AddressKind.Never;
        }
        if (NeverRanges.Any(r => r.Contains(address)))
        {
            return AddressKind.Never;
        }
        return LocalRanges.Any(r => r.Contains(address)) ? AddressKind.Local : AddressKind.Public;
    }
}
