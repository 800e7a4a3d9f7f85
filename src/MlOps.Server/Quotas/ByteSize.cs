using System.Globalization;

namespace MlOps.Server.Quotas;

/// <summary>Byte counts for people, in SI units (1 GB = 10^9 bytes), as prices and quotas are stated.</summary>
public static class ByteSize
{
    private static readonly string[] Units = ["bytes", "kB", "MB", "GB", "TB", "PB"];

    public static string Format(long bytes)
    {
        if (Math.Abs(bytes) < 1000)
        {
            return bytes.ToString(CultureInfo.InvariantCulture) + " bytes";
        }
        var value = (double)bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1000 && unit < Units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return value.ToString("0.##", CultureInfo.InvariantCulture) + " " + Units[unit];
    }
}
