using MlOps.Pipelines;
using MlOps.Pipelines.Compilation;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Pipelines;

namespace MlOps.Server.Features.Lint;

/// <summary>Like GitLab's CI lint: validates a posted definition and shows what it compiles to.</summary>
public sealed class LintHandler(AccessGate gate, IOperationResolverFactory operations)
{
    public async Task<LintResponse> LintAsync(Caller caller, LintRequest request, CancellationToken cancellationToken)
    {
        var validator = new Validator().Check(request.Content is not null, "content", "content is required.");
        var target = request.Target?.Trim().ToLowerInvariant() switch
        {
            null or "" or "jobs" => LintTarget.Jobs,
            "gitlab-ci" or "gitlab_ci" => LintTarget.GitLabCi,
            _ => (LintTarget?)null,
        };
        validator.Check(target is not null, "target", "target must be 'jobs' or 'gitlab-ci'.");
        var kind = request.Kind?.Trim().ToLowerInvariant() switch
        {
            null or "" or "pipeline" => LintFileKind.Pipeline,
            "operation" => LintFileKind.Operation,
            _ => (LintFileKind?)null,
        };
        validator.Check(kind is not null, "kind", "kind must be 'pipeline' or 'operation'.");
        validator.ThrowIfAny();

        var context = new CompileContext
        {
            Project = $"{caller.Username}/lint",
            Pipeline = string.IsNullOrWhiteSpace(request.Pipeline) ? null : request.Pipeline.Trim(),
            Ref = string.IsNullOrWhiteSpace(request.Ref) ? "refs/heads/main" : request.Ref.Trim(),
            ParamOverrides = request.Params ?? new Dictionary<string, string>(),
        };
        if (!string.IsNullOrWhiteSpace(request.Project))
        {
            var path = Names.DecodePath(request.Project);
            var slash = path.LastIndexOf('/');
            if (slash <= 0)
            {
                throw new ValidationException("project", "project must be a full path such as 'acme/iris'.");
            }
            var project = await gate.ProjectAsync(caller, path[..slash], path[(slash + 1)..], ProjectAction.Read, cancellationToken);
            context = context with { Project = project.FullPath, Client = project.ClientPath };
        }

        var result = await PipelineLinter.LintAsync(request.Content!, kind!.Value, target!.Value, context, operations.For(caller), cancellationToken);
        return new LintResponse(
            result.Valid,
            result.Errors.Select(e => new LintErrorResponse(e.File, e.Line, e.Column, e.Message, e.Hint)).ToList(),
            result.Warnings.Select(e => new LintErrorResponse(e.File, e.Line, e.Column, e.Message, e.Hint)).ToList(),
            result.Valid && kind == LintFileKind.Pipeline && target == LintTarget.Jobs ? result.Jobs : null,
            result.GitLabCi,
            result.Operation);
    }
}
