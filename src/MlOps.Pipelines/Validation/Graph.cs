namespace MlOps.Pipelines.Validation;

/// <summary>Topological order and cycle finding over step dependencies, linear in steps plus edges.</summary>
internal static class Graph
{
    /// <summary>Kahn's algorithm keeping the file's order among ready steps; the leftover steps are on or behind a cycle.</summary>
    public static (List<string> Order, List<string>? Cycle) Sort(IReadOnlyList<string> nodes, IReadOnlyDictionary<string, List<string>> deps)
    {
        var indegree = new Dictionary<string, int>(nodes.Count);
        var dependents = new Dictionary<string, List<string>>(nodes.Count);
        foreach (var n in nodes) { indegree[n] = 0; dependents[n] = []; }
        foreach (var n in nodes)
            foreach (var d in deps[n])
            {
                indegree[n]++;
                dependents[d].Add(n);
            }
        var ready = new Queue<string>(nodes.Where(n => indegree[n] == 0));
        var order = new List<string>(nodes.Count);
        while (ready.Count > 0)
        {
            var n = ready.Dequeue();
            order.Add(n);
            foreach (var m in dependents[n])
                if (--indegree[m] == 0) ready.Enqueue(m);
        }
        if (order.Count == nodes.Count) return (order, null);
        var cycle = FindCycle(nodes.First(n => indegree[n] > 0), deps, indegree);
        // Start the cycle at the step written first, so the message is stable and reads like the file.
        var rank = nodes.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var start = cycle.IndexOf(cycle.MinBy(n => rank[n])!);
        var rotated = cycle.Skip(start).Concat(cycle.Take(start)).ToList();
        rotated.Add(rotated[0]);
        return (order, rotated);
    }

    // From a node left with unmet dependencies, follow unmet dependencies until a node repeats.
    private static List<string> FindCycle(string start, IReadOnlyDictionary<string, List<string>> deps, Dictionary<string, int> indegree)
    {
        var path = new List<string>();
        var seen = new Dictionary<string, int>();
        var at = start;
        while (!seen.ContainsKey(at))
        {
            seen[at] = path.Count;
            path.Add(at);
            at = deps[at].First(d => indegree[d] > 0);
        }
        var cycle = path.GetRange(seen[at], path.Count - seen[at]);
        // Report the cycle in dependency-flow order (a -> b means b needs a).
        cycle.Reverse();
        return cycle;
    }
}
