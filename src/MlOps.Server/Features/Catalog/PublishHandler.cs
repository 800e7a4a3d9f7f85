using MlOps.Pipelines;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Resolution;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Catalog;

/// <summary>Publishes a version of an operation from its project's repository at a ref.</summary>
public sealed class PublishHandler(AccessGate gate, OperationSource source, PublishRepository publishing, OperationRepository operations)
{
    public async Task<VersionResponse> PublishAsync(Caller caller, PublishRequest request, CancellationToken cancellationToken)
    {
        var validator = new Validator();
        var (ns, path) = CatalogPaths.SplitProject(request.Project, validator);
        validator.Check(!string.IsNullOrWhiteSpace(request.Ref), "ref", "ref is required: a tag, branch or commit SHA.");
        var version = request.Version?.Trim() ?? "";
        validator.Check(version.Length is > 0 and <= 128 && OperationVersions.IsSemVer(version), "version",
            "version must be a semantic version such as 1.2.0 or 1.2.0-rc.1.");
        validator.ThrowIfAny();

        var project = await gate.ProjectAsync(caller, ns!, path!, ProjectAction.Push, cancellationToken);
        var commit = await source.CommitAsync(project, request.Ref!.Trim(), cancellationToken)
            ?? throw new ValidationException("ref", $"ref '{request.Ref!.Trim()}' is not a commit of {project.FullPath}.");
        var text = await source.ManifestTextAsync(project, commit, cancellationToken)
            ?? throw new ValidationException("operation.yml", $"{project.FullPath} has no operation.yml at commit {commit[..12]}.");

        var lint = await PipelineLinter.LintAsync(text, LintFileKind.Operation, LintTarget.Jobs, CompileContext.Default,
            InMemoryOperationResolver.Empty, cancellationToken);
        if (!lint.Valid)
        {
            throw DefinitionErrors.From("operation.yml", lint.Errors);
        }
        var manifest = lint.Operation!;
        if (manifest.Build is { } dockerfile && !await source.IsFileAsync(project, commit, dockerfile, cancellationToken))
        {
            throw new ValidationException("operation.yml", $"build names '{dockerfile}', which is not a file at commit {commit[..12]}.");
        }

        var owner = project.ClientPath;
        var image = manifest.Image ?? ImageNames.Target(owner, manifest.Name, version);
        var draft = new VersionDraft(project, owner, manifest, text, version, commit, image,
            manifest.Image is { } i ? ImageNames.DigestOf(i) : null, caller);
        await publishing.PublishAsync(draft, cancellationToken);

        var op = await operations.FindByProjectAsync(project.ProjectId, cancellationToken);
        var row = await operations.FindVersionAsync(op!.Id, version, cancellationToken);
        return row!.ToResponse(op);
    }
}

/// <summary>What a publish writes, checked and ready.</summary>
public sealed record VersionDraft(ProjectAccess Project, string Owner, OperationManifest Manifest, string ManifestYaml, string Version,
    string CommitSha, string ImageReference, string? ImageDigest, Caller Publisher);
