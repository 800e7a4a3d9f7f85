using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Pipelines;

namespace MlOps.Server.Features.Catalog;

public sealed class CatalogResolverFactory(AccessGate gate, OperationRepository operations, OperationSource source) : IOperationResolverFactory
{
    public IOperationResolver For(Caller? caller) => new CatalogResolver(caller, gate, operations, source);
}

/// <summary>
/// Resolves `uses:` through the catalog for one caller: a version by number, or a commit of the
/// operation's repository (a published version at that commit, else operation.yml read there when
/// it names a ready-made image). Yanked, building and failed versions are refused with the reason.
/// </summary>
public sealed class CatalogResolver(Caller? caller, AccessGate gate, OperationRepository operations, OperationSource source) : IOperationResolver
{
    public async ValueTask<OperationLookup> ResolveAsync(string owner, string name, string version, CancellationToken ct)
    {
        var op = await operations.FindAsync(owner, name, ct);
        if (op is null || await VisibleProjectAsync(op.ProjectId, ct) is not { } project)
        {
            return OperationLookup.UnknownOperation;
        }
        var id = $"{op.Owner}/{op.Name}@{version}";
        var row = OperationVersions.IsCommitSha(version)
            ? await operations.FindByCommitAsync(op.Id, version, ct)
            : await operations.FindVersionAsync(op.Id, version, ct);
        if (row is null)
        {
            return OperationVersions.IsCommitSha(version)
                ? await UnpublishedCommitAsync(op, project, version, id, ct)
                : OperationLookup.UnknownVersion((await operations.VersionsAsync(op.Id, ct)).Where(v => v.YankedAt is null)
                    .Select(v => v.Version).ToList());
        }
        if (row.YankedAt is not null)
        {
            return OperationLookup.Refused($"operation {id} was yanked" + (row.YankReason is { } r ? $": {r}" : ""),
                "pin another version; runs that already used it keep their record");
        }
        if (row.Status == "building")
        {
            return OperationLookup.Refused($"operation {id} is still being built", $"its image build is job {row.BuildJobId}; retry when it finished");
        }
        if (row.Status == "failed")
        {
            return OperationLookup.Refused($"operation {id} failed to build" + (row.BuildFailure is { } f ? $": {f}" : ""),
                $"the build log is at /api/v1/jobs/{row.BuildJobId}/log; publish a fixed version");
        }
        var manifest = OperationParser.Parse(row.ManifestYaml, new ErrorSink("operation.yml"))
            ?? throw new InvalidOperationException($"The stored manifest of {id} no longer parses.");
        return OperationLookup.Found(new ResolvedOperation(op.Owner, op.Name, version, row.CommitSha, row.ImageReference, manifest)
        {
            ImageDigest = row.ImageDigest,
            Deprecation = row.DeprecatedAt is null ? null : row.DeprecationMessage ?? "no reason given",
        });
    }

    private async Task<ProjectAccess?> VisibleProjectAsync(long projectId, CancellationToken ct)
    {
        try
        {
            return await gate.ProjectAsync(caller, projectId, ProjectAction.Read, ct);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    // A commit nobody published: usable when its operation.yml names a ready-made image, since
    // nothing needs building; a Dockerfile is built only when a version is published.
    private async Task<OperationLookup> UnpublishedCommitAsync(OperationRow op, ProjectAccess project, string sha, string id, CancellationToken ct)
    {
        var commit = await source.CommitAsync(project, sha, ct);
        var text = commit == sha ? await source.ManifestTextAsync(project, sha, ct) : null;
        if (text is null)
        {
            return OperationLookup.UnknownVersion((await operations.VersionsAsync(op.Id, ct)).Where(v => v.YankedAt is null)
                .Select(v => v.Version).ToList());
        }
        var manifest = OperationParser.Parse(text, new ErrorSink("operation.yml"));
        if (manifest is null || !string.Equals(manifest.Name, op.Name, StringComparison.OrdinalIgnoreCase))
        {
            return OperationLookup.Refused($"operation.yml at {id} is not a valid definition of {op.Owner}/{op.Name}", "pin a published version");
        }
        if (manifest.Image is not { } image)
        {
            return OperationLookup.Refused($"{id} builds its image from a Dockerfile and is not a published version",
                "publish a version at this commit (POST /api/v1/operations), which builds the image");
        }
        return OperationLookup.Found(new ResolvedOperation(op.Owner, op.Name, sha, sha, image, manifest) { ImageDigest = ImageNames.DigestOf(image) });
    }
}
