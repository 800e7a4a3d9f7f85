namespace MlOps.Server.Git;

/// <summary>Picks a project's backend by `projects.git_backend`.</summary>
public sealed class GitBackends(IEnumerable<IGitBackend> backends)
{
    private readonly Dictionary<string, IGitBackend> byKind = backends.ToDictionary(b => b.Kind, StringComparer.Ordinal);

    public IGitBackend For(string kind) =>
        byKind.TryGetValue(kind, out var backend) ? backend : throw new InvalidOperationException($"No Git backend '{kind}'.");

    /// <summary>Every backend's local files for a deleted project (it may have switched backends).</summary>
    public void DeleteLocal(long projectId)
    {
        foreach (var backend in byKind.Values)
        {
            backend.DeleteLocal(projectId);
        }
    }
}
