namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>
/// Which addresses the server's own outbound requests (GitLab and GitHub APIs, mirror fetches)
/// may reach. Like GitLab's "allow requests to the local network" setting: off by default, so a
/// project owner cannot make the server probe loopback services or the internal network.
/// </summary>
public sealed class OutboundOptions
{
    public const string Section = "Outbound";

    /// <summary>
    /// `MLOPS_OUTBOUND_ALLOW_LOCAL_NETWORK`: allow loopback, private (10/8, 172.16/12, 192.168/16,
    /// 100.64/10), link-local and unique-local addresses for every host. Unspecified, multicast and
    /// broadcast addresses stay refused.
    /// </summary>
    public bool AllowLocalNetwork { get; set; }

    /// <summary>
    /// `MLOPS_OUTBOUND_ALLOWED_HOSTS`: comma-separated host names, IP addresses or CIDR ranges
    /// (`gitlab.corp.example, 10.20.0.0/16`) that may be reached even on the local network: the
    /// on-premises GitLab usually lives there.
    /// </summary>
    public string AllowedHosts { get; set; } = "";

    /// <summary>The limit for opening a connection (DNS and TCP); the forge clients add their own request limits.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
