using System.Net;

namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>The parsed `Outbound:AllowedHosts`: host names (exact, any case), addresses and CIDR ranges.</summary>
public sealed class AllowList
{
    private readonly HashSet<string> names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<IPNetwork> networks = [];

    public static AllowList Parse(string? value)
    {
        var list = new AllowList();
        foreach (var entry in Entries(value))
        {
            if (IPNetwork.TryParse(entry, out var network))
            {
                list.networks.Add(network);
            }
            else if (IPAddress.TryParse(entry.Trim('[', ']'), out var address))
            {
                list.networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                list.names.Add(entry.TrimEnd('.'));
            }
        }
        return list;
    }

    /// <summary>The entries that are neither an address, a range nor a host name (for start-up validation).</summary>
    public static IEnumerable<string> Invalid(string? value) =>
        Entries(value).Where(e => !IPNetwork.TryParse(e, out _) && !IPAddress.TryParse(e.Trim('[', ']'), out _)
            && Uri.CheckHostName(e.TrimEnd('.')) != UriHostNameType.Dns);

    public bool AllowsName(string host) => names.Contains(host.TrimEnd('.'));

    public bool AllowsAddress(IPAddress address)
    {
        var mapped = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return networks.Any(n => n.Contains(mapped));
    }

    private static IEnumerable<string> Entries(string? value) =>
        (value ?? "").Split([',', ';', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
