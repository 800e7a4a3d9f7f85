using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Billing;

/// <summary>
/// A client (a top-level group or a user's namespace) whose usage the caller may read: admins
/// for every client, a group's owners for theirs, a user for their own namespace. The gate
/// answers 404 to whoever may not see the namespace and 403 to members below owner.
/// </summary>
public sealed class ClientResolver(AccessGate gate)
{
    public async Task<NamespaceAccess> OwnedAsync(Caller? caller, string path, CancellationToken cancellationToken)
    {
        var client = await gate.NamespaceAsync(caller, path, NamespaceAction.Own, cancellationToken);
        if (client.ParentId is not null)
        {
            throw new ValidationException("namespace",
                $"'{client.FullPath}' is a subgroup; its usage is billed to its top-level group, ask for that client instead.");
        }
        return client;
    }
}
