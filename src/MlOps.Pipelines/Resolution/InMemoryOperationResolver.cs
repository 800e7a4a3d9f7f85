using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Model;
using MlOps.Pipelines.Parsing;

namespace MlOps.Pipelines.Resolution;

/// <summary>A dictionary of operations, for tests and for lint where no catalog is wired.</summary>
public sealed class InMemoryOperationResolver : IOperationResolver
{
    public static InMemoryOperationResolver Empty => new();

    private readonly Dictionary<(string Owner, string Name), Dictionary<string, ResolvedOperation>> _ops = new();

    public InMemoryOperationResolver Add(ResolvedOperation op)
    {
        var key = (op.Owner.ToLowerInvariant(), op.Name.ToLowerInvariant());
        if (!_ops.TryGetValue(key, out var versions)) _ops[key] = versions = new(StringComparer.Ordinal);
        versions[op.Version] = op;
        return this;
    }

    /// <summary>Adds an operation from its <c>operation.yml</c> text; throws when the manifest is invalid, since that is a bug in the caller's fixture.</summary>
    public InMemoryOperationResolver Add(string owner, string version, string commitSha, string imageReference, string manifestYaml)
    {
        var errors = new ErrorSink("operation.yml");
        var manifest = OperationParser.Parse(manifestYaml, errors)
            ?? throw new ArgumentException("invalid manifest: " + string.Join("; ", errors.Errors), nameof(manifestYaml));
        return Add(new ResolvedOperation(owner, manifest.Name, version, commitSha, imageReference, manifest));
    }

    public ValueTask<OperationLookup> ResolveAsync(string owner, string name, string version, CancellationToken ct)
    {
        if (!_ops.TryGetValue((owner.ToLowerInvariant(), name.ToLowerInvariant()), out var versions))
            return ValueTask.FromResult(OperationLookup.UnknownOperation);
        return ValueTask.FromResult(versions.TryGetValue(version, out var op)
            ? OperationLookup.Found(op)
            : OperationLookup.UnknownVersion(versions.Keys.Order(StringComparer.Ordinal).ToList()));
    }
}
