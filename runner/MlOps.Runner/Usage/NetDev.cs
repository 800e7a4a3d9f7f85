using System.Globalization;

namespace MlOps.Runner.Usage;

/// <summary>Bytes received and sent by the interfaces of one network namespace, from a /proc/.../net/dev file; loopback is not traffic.</summary>
public static class NetDev
{
    public static (long Rx, long Tx) Read(string path)
    {
        long rx = 0, tx = 0;
        foreach (var line in File.ReadLines(path).Skip(2))
        {
            var colon = line.IndexOf(':');
            if (colon < 0 || line[..colon].Trim() == "lo")
            {
                continue;
            }
            var f = line[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            rx += long.Parse(f[0], CultureInfo.InvariantCulture);
            tx += long.Parse(f[8], CultureInfo.InvariantCulture);
        }
        return (rx, tx);
    }
}
