using MlOps.Pipelines.Resolution;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Pipelines;

/// <summary>
/// The resolver of <c>uses: owner/name@version</c> for one caller: operations whose project the
/// caller may not see resolve as unknown. Lint and run creation take a resolver from here; the
/// catalog provides the real one (without the catalog, every operation is unknown).
/// </summary>
public interface IOperationResolverFactory
{
    IOperationResolver For(Caller? caller);
}

/// <summary>No catalog: every operation is unknown.</summary>
public sealed class EmptyOperationResolverFactory : IOperationResolverFactory
{
    public IOperationResolver For(Caller? caller) => InMemoryOperationResolver.Empty;
}
