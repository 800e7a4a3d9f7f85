using System.Text.Json;
using MlOps.Pipelines.Model;

namespace MlOps.Server.Features.Catalog;

/// <param name="Project">Full path of the operation's project, e.g. `acme/ops/csv-clean`.</param>
/// <param name="Ref">A tag, branch or commit SHA; the version freezes the commit it names now.</param>
/// <param name="Version">Semantic version, e.g. `1.2.0`; never reused.</param>
public sealed record PublishRequest(string? Project, string? Ref, string? Version);

public sealed record DeprecateRequest(string? Message);

public sealed record YankRequest(string? Reason);

/// <param name="Project">The project the run belongs to and is billed to (its client).</param>
/// <param name="Ref">Where repository inputs are read; the project's default branch when absent.</param>
public sealed record OperationRunRequest(string? Project, string? Ref, JsonElement? Params, JsonElement? Inputs, JsonElement? Tags = null);

public sealed record OperationRunResponse(long RunId, long JobId, string Project, string Status, string Operation, string CommitSha);

public sealed record ParamView(string Name, string Type, object? Default, bool Required, double? Min, double? Max,
    IReadOnlyList<string>? Values, string? Items, string? Description);

public sealed record PortView(string Name, string Type, bool Required, string? Description);

/// <summary>The manifest as the API shows it (and as operation_versions.manifest stores it).</summary>
public sealed record ManifestView(string Name, string Kind, string? Description, string? Image, string? Build,
    IReadOnlyList<string> Command, IReadOnlyList<ParamView> Params, IReadOnlyList<PortView> Inputs, IReadOnlyList<PortView> Outputs,
    ResourceView Resources, IReadOnlyList<string> Tags, string? License)
{
    public static ManifestView From(OperationManifest m) => new(
        m.Name, KindName(m.Kind), m.Description, m.Image, m.Build, m.Command,
        m.Params.Select(p => new ParamView(p.Name, p.Type.ToString().ToLowerInvariant(), p.Default?.ToObject(), p.Required, p.Min, p.Max,
            p.Type == ParamType.Enum ? p.Values : null, p.Type == ParamType.List ? p.ItemType.ToString().ToLowerInvariant() : null,
            p.Description)).ToList(),
        m.Inputs.Select(Port).ToList(), m.Outputs.Select(Port).ToList(),
        new ResourceView(m.Resources.Gpus, m.Resources.GpuModel, m.Resources.Cpus, m.Resources.MemoryBytes, m.Resources.TimeoutSeconds),
        m.Tags, m.License);

    public static string KindName(OperationKind kind) => kind switch
    {
        OperationKind.DataOperation => "data-operation",
        OperationKind.Visualization => "visualization",
        _ => "algorithm",
    };

    private static PortView Port(DataPort p) => new(p.Name, p.Type, p.Required, p.Description);
}

public sealed record ResourceView(int? Gpus, string? GpuModel, double? Cpus, long? MemoryBytes, int? TimeoutSeconds);

/// <param name="Log">Where the build log is read (the job's log), when the version was built.</param>
public sealed record BuildView(long JobId, string Log, string? Failure);

public sealed record VersionResponse(string Operation, string Version, string CommitSha, string Status, string ImageReference,
    string? ImageDigest, BuildView? Build, DateTimeOffset PublishedAt, string? PublishedBy, DateTimeOffset? DeprecatedAt,
    string? DeprecationMessage, DateTimeOffset? YankedAt, string? YankReason, ManifestView Manifest);

public sealed record VersionSummary(string Version, string CommitSha, string Status, DateTimeOffset PublishedAt,
    bool Deprecated, bool Yanked);

public sealed record OperationSummary(string Owner, string Name, string Project, string Kind, string? Description,
    IReadOnlyList<string> Tags, IReadOnlyList<string> InputTypes, IReadOnlyList<string> OutputTypes, string? LatestVersion,
    int Stars, long Uses, DateTimeOffset UpdatedAt);

public sealed record UserView(string Project, long Jobs, DateTimeOffset LastUsedAt);

/// <summary>Everything an operation's page shows.</summary>
public sealed record OperationPage(OperationSummary Operation, bool Starred, string? Version, string? ReadmeHtml,
    ManifestView? Manifest, IReadOnlyList<VersionSummary> Versions, IReadOnlyList<UserView> UsedBy);

public sealed record StarResponse(bool Starred, int Stars);
