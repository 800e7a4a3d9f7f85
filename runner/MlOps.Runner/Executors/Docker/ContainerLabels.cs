namespace MlOps.Runner.Executors.Docker;

/// <summary>
/// Every container is labelled with its job and its runner, so a runner restarted after a crash
/// (or kill -9) finds and removes what it left, and an operator can tell whose container it is.
/// </summary>
public static class ContainerLabels
{
    public const string Managed = "io.mlops.managed";
    public const string JobId = "io.mlops.job-id";
    public const string Runner = "io.mlops.runner";

    public static Dictionary<string, string> For(long jobId, string runner) => new()
    {
        [Managed] = "true",
        [JobId] = jobId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        [Runner] = runner,
    };

    /// <summary>The label filter that finds this runner's containers.</summary>
    public static IDictionary<string, IDictionary<string, bool>> OfRunner(string runner) => new Dictionary<string, IDictionary<string, bool>>
    {
        ["label"] = new Dictionary<string, bool> { [$"{Managed}=true"] = true, [$"{Runner}={runner}"] = true },
    };
}
