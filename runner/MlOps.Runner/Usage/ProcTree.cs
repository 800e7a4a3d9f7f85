using System.Globalization;

namespace MlOps.Runner.Usage;

/// <summary>
/// Usage of a process and all its descendants from /proc, for the process executor (where no
/// container cgroup holds the job). CPU of children that already exited is counted by their
/// parent's cutime/cstime once reaped, so the sum over the live tree only grows.
/// </summary>
public static class ProcTree
{
    private static readonly double TicksPerSecond = 100; // USER_HZ: 100 on every Linux ABI .NET runs on.
    private static readonly long PageSize = Environment.SystemPageSize;

    public sealed record Sample(double CpuSeconds, long RssBytes, long ReadBytes, long WriteBytes);

    public static Sample? Read(int rootPid)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } stat)
            {
                parents[pid] = stat.Ppid;
            }
        }
        if (!parents.ContainsKey(rootPid))
        {
            return null;
        }
        double cpu = 0;
        long rss = 0, read = 0, write = 0;
        foreach (var pid in parents.Keys.Where(p => IsDescendant(p, rootPid, parents)))
        {
            if (Stat(pid) is not { } s)
            {
                continue;
            }
            cpu += (s.Utime + s.Stime + s.Cutime + s.Cstime) / TicksPerSecond;
            rss += s.RssPages * PageSize;
            var (r, w) = Io(pid);
            read += r;
            write += w;
        }
        return new Sample(cpu, rss, read, write);
    }

    /// <summary>The CPU seconds recorded in a saved copy of /proc/PID/stat (the shell wrapper writes its own at the end).</summary>
    public static double? CpuFromStatText(string text) => Parse(text) is { } s ? (s.Utime + s.Stime + s.Cutime + s.Cstime) / TicksPerSecond : null;

    private static bool IsDescendant(int pid, int root, Dictionary<int, int> parents)
    {
        for (var depth = 0; depth < 64; depth++)
        {
            if (pid == root)
            {
                return true;
            }
            if (!parents.TryGetValue(pid, out pid) || pid <= 1)
            {
                return false;
            }
        }
        return false;
    }

    private sealed record StatFields(int Ppid, long Utime, long Stime, long Cutime, long Cstime, long RssPages);

    private static StatFields? Stat(int pid)
    {
        try
        {
            return Parse(File.ReadAllText($"/proc/{pid}/stat"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The command name may hold spaces and parentheses: fields start after the last ')'.
    private static StatFields? Parse(string text)
    {
        var close = text.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var f = text[(close + 2)..].Split(' ');
        if (f.Length < 22)
        {
            return null;
        }
        long L(int i) => long.Parse(f[i], CultureInfo.InvariantCulture);
        return new StatFields((int)L(1), L(11), L(12), L(13), L(14), L(21));
    }

    private static (long Read, long Write) Io(int pid)
    {
        try
        {
            long read = 0, write = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/io"))
            {
                if (line.StartsWith("read_bytes:", StringComparison.Ordinal))
                {
                    read = long.Parse(line[11..].Trim(), CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("write_bytes:", StringComparison.Ordinal))
                {
                    write = long.Parse(line[12..].Trim(), CultureInfo.InvariantCulture);
                }
            }
            return (read, write);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (0, 0);
        }
    }
}
