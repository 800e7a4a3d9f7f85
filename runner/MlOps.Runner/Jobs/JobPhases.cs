using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MlOps.Runner.Jobs;

/// <summary>
/// Where a job's time went, phase by phase (staging, container create, start, wait, log flush,
/// artifacts, final status, removal), logged in one line when the job ends so the overhead
/// over a bare `docker run` can be found and watched. Marks may come from several tasks.
/// </summary>
public sealed class JobPhases
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<(string Phase, double At)> marks = [];
    private readonly Lock gate = new();

    /// <summary>Records that <paramref name="phase"/> ended now.</summary>
    public void Mark(string phase)
    {
        lock (gate)
        {
            marks.Add((phase, clock.Elapsed.TotalMilliseconds));
        }
    }

    /// <summary>"stage 3.1 ms, create 20.4 ms, ...": each phase's own duration, in the order they ended.</summary>
    public override string ToString()
    {
        lock (gate)
        {
            var text = new StringBuilder();
            var last = 0.0;
            foreach (var (phase, at) in marks.OrderBy(m => m.At))
            {
                text.Append(text.Length == 0 ? "" : ", ").Append(phase).Append(' ')
                    .Append((at - last).ToString("0.0", CultureInfo.InvariantCulture)).Append(" ms");
                last = at;
            }
            return text.ToString();
        }
    }
}
