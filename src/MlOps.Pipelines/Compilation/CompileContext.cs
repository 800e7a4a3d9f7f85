namespace MlOps.Pipelines.Compilation;

/// <summary>A file or folder whose content id the caller may know: this project's at the commit, or another project's at a ref.</summary>
public sealed record ContentLocation(string Project, string Ref, string Path);

/// <summary>What the compiler needs to know about the run beyond the file itself.</summary>
public sealed record CompileContext
{
    /// <summary>Full project path, e.g. <c>acme/vision/iris</c>.</summary>
    public string Project { get; init; } = "local/project";

    /// <summary>The top-level namespace billed for the jobs, e.g. <c>acme</c>. Defaults to the first segment of <see cref="Project"/>.</summary>
    public string? Client { get; init; }

    public string CommitSha { get; init; } = new('0', 40);
    public string Ref { get; init; } = "refs/heads/main";

    /// <summary>The pipeline to compile; null compiles every pipeline of the file.</summary>
    public string? Pipeline { get; init; }

    /// <summary>Param values given for a manual run, as text (<c>"500"</c>, <c>"[a, b]"</c>); checked against the declared types.</summary>
    public IReadOnlyDictionary<string, string> ParamOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Content id (blob or tree SHA) of an input, so cache keys change when data does. Null, or a null
    /// answer, falls back to path@commit for this project and project@ref:path for others.
    /// </summary>
    public Func<ContentLocation, string?>? ContentIds { get; init; }

    public string EffectiveClient => Client ?? Project.Split('/')[0];

    public static CompileContext Default { get; } = new();
}
