namespace MlOps.Pipelines.Model;

/// <summary>A parsed <c>mlops.yml</c>: one or more named pipelines.</summary>
public sealed record PipelineFile(IReadOnlyList<PipelineDefinition> Pipelines);

public sealed record PipelineDefinition(
    string Name,
    int Line,
    int Column,
    TriggerSpec Triggers,
    IReadOnlyList<ParamSpec> Params,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> Secrets,
    IReadOnlyList<StepDefinition> Steps)
{
    /// <summary><c>concurrency:</c>; null when the pipeline has none (the default group, running jobs left alone).</summary>
    public ConcurrencyDefinition? Concurrency { get; init; }
}

/// <summary><c>owner/name@version</c>, the version exact (semver or a 40-hex commit).</summary>
public sealed record OperationRef(string Owner, string Name, string Version)
{
    public override string ToString() => $"{Owner}/{Name}@{Version}";
}

/// <summary>An output an inline step declares; operation steps take theirs from the manifest.</summary>
public sealed record StepOutput(string Name, string Type, string? Path, int Line, int Column);

/// <summary>A step param value as written: a literal node, or a reference to a pipeline param.</summary>
public sealed record StepParam(string Name, Yaml.YNode Value, string? PipelineParam);

public sealed record StepDefinition(
    string Name,
    int Line,
    int Column,
    OperationRef? Uses,
    int UsesLine,
    int UsesColumn,
    string? Image,
    string? Run,
    IReadOnlyList<(string Step, int Line, int Column)> Needs,
    IReadOnlyDictionary<string, InputSource> Inputs,
    IReadOnlyList<StepParam> Params,
    IReadOnlyList<StepOutput> Outputs,
    ResourceSpec Resources,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> Secrets,
    bool Cache)
{
    public int RunLine { get; init; }
    public int RunColumn { get; init; }

    /// <summary>Its <c>uses:</c> did not parse; references to its outputs are not reported again.</summary>
    public bool UsesInvalid { get; init; }

    public const int DefaultRetry = 2;

    /// <summary><c>tags:</c> a runner must have every one of them to take the job.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>network:</c> none (the default) or bridge; a runner gives bridge only when its operator allows it.</summary>
    public string Network { get; init; } = "none";

    /// <summary><c>retry:</c> how many more times the job is run after a failure of a kind in <see cref="RetryWhen"/>, or when its runner is lost (0 to 5).</summary>
    public int Retry { get; init; } = DefaultRetry;

    /// <summary>Without <c>retry:</c> no failure is retried (a lost runner always is, while attempts are left).</summary>
    public static readonly IReadOnlyList<string> DefaultRetryWhen = [];

    /// <summary><c>retry: when:</c> always, script_failure, stuck_or_timeout_failure, runner_system_failure.</summary>
    public IReadOnlyList<string> RetryWhen { get; init; } = DefaultRetryWhen;
}
