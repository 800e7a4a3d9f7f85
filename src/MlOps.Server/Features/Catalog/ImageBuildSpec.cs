using System.Text.RegularExpressions;
using MlOps.Pipelines.Compilation;

namespace MlOps.Server.Features.Catalog;

/// <summary>
/// What a runner needs to build an operation's image (documented in docs/catalog.md, "The
/// image_build job"): the repository at a commit as the build context, the Dockerfile in it, and
/// the tag to give the image. The runner reports the built image's id as the job's image_digest.
/// </summary>
public sealed record ImageBuild(string Project, long ProjectId, string CommitSha, string Context, string Dockerfile, string Target,
    string Operation, string Version, IReadOnlyDictionary<string, string> Labels);

/// <summary>
/// The frozen spec of an image-build job: shaped like a compiled pipeline job (so the runner reads
/// one format), with <see cref="ImageBuild"/> beside it. No <c>operation</c> field: a build is not a use.
/// </summary>
public sealed record ImageBuildJobSpec(
    string Name, int Stage, string? Image, bool Checkout, IReadOnlyList<string> Argv, IReadOnlyDictionary<string, string> Env,
    IReadOnlyList<string> Secrets, IReadOnlyList<JobInput> Inputs, IReadOnlyList<JobOutput> Outputs, ResourceRequest Resources,
    int TimeoutSeconds, IReadOnlyList<string> Needs, IReadOnlyDictionary<string, object> Params, string? CacheKey, bool Cacheable,
    string Client, ImageBuild ImageBuild)
{
    public const string JobName = "image-build";
    public const string PipelineName = "publish";
    public const int TimeoutSecondsDefault = 3600;
    public static readonly ResourceRequest BuildResources = new(0, null, 2, 4L << 30);

    public static ImageBuildJobSpec For(ImageBuild build, string client) => new(
        JobName, 1, null, true, [], new Dictionary<string, string>
        {
            ["MLOPS_PIPELINE"] = PipelineName, ["MLOPS_STEP"] = JobName, ["MLOPS_PROJECT"] = build.Project, ["MLOPS_COMMIT"] = build.CommitSha,
        },
        [], [], [], BuildResources, TimeoutSecondsDefault, [], new Dictionary<string, object>(), null, false, client, build);
}

/// <summary>Image names for built operations: a Docker reference must be lower case, its tag without '+'.</summary>
public static partial class ImageNames
{
    /// <summary>Built images are named under this repository prefix; they live in the runner's Docker engine.</summary>
    public const string Repository = "mlops.local/operations";

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex NotComponent();

    [GeneratedRegex("[^A-Za-z0-9_.-]")]
    private static partial Regex NotTag();

    [GeneratedRegex("@(sha256:[0-9a-f]{64})$")]
    private static partial Regex PinnedDigest();

    public static string Target(string owner, string name, string version) =>
        $"{Repository}/{Component(owner)}/{Component(name)}:{NotTag().Replace(version, "_")}";

    /// <summary>The digest an `image:` reference pins (`name@sha256:…`), if any.</summary>
    public static string? DigestOf(string imageReference) =>
        PinnedDigest().Match(imageReference) is { Success: true } m ? m.Groups[1].Value : null;

    // Path components: [a-z0-9]+ joined by single separators; anything else becomes one '-'.
    private static string Component(string s) => NotComponent().Replace(s.ToLowerInvariant(), "-").Trim('-') is { Length: > 0 } c ? c : "x";
}
