using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Features.Projects;

public sealed record CreateProjectRequest(string? Namespace, string? Path, string? Name, string? Visibility, string? Description,
    string?[]? Topics, string? DefaultBranch);

/// <summary>Fields left out (null) keep their value; `path` renames the project.</summary>
public sealed record UpdateProjectRequest(string? Path, string? Name, string? Visibility, string? Description, string?[]? Topics,
    string? DefaultBranch);

public sealed record ProjectResponse(long Id, string Path, string PathWithNamespace, string Namespace, string Name,
    string Description, string Visibility, string[] Topics, string DefaultBranch, DateTime CreatedAt, DateTime UpdatedAt,
    string? YourRole, string GitBackend, ProjectStatistics Statistics);

/// <summary>Bytes on disk: the Git repository and the LFS objects linked to the project.</summary>
public sealed record ProjectStatistics(long RepositorySize, long LfsObjectsSize);

public sealed class ProjectRow
{
    public long Id { get; init; }
    public long NamespaceId { get; init; }
    public string NamespaceFullPath { get; init; } = "";
    public string NamespaceKind { get; init; } = "";
    public string NamespaceVisibility { get; init; } = "";
    public string Path { get; init; } = "";
    public string Name { get; init; } = "";
    public string Description { get; init; } = "";
    public string Visibility { get; init; } = "";
    public string[] Topics { get; init; } = [];
    public string DefaultBranch { get; init; } = "";
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
    public string GitBackend { get; init; } = "embedded";
    public long RepositorySize { get; init; }
    public long LfsSize { get; init; }

    /// <summary>The caller's stored access level, computed by the query that loaded the row.</summary>
    public int AccessLevel { get; init; }

    public string FullPath => $"{NamespaceFullPath}/{Path}";

    /// <summary>The client billed for this project's work: its top-level namespace.</summary>
    public string Client => NamespaceFullPath.Split('/')[0];

    public ProjectResponse ToResponse(AccessLevel level) => new(Id, Path, FullPath, NamespaceFullPath, Name, Description,
        Visibility, Topics, DefaultBranch, CreatedAt, UpdatedAt, level > Infrastructure.Auth.AccessLevel.None ? level.ToRole() : null,
        GitBackend, new ProjectStatistics(RepositorySize, LfsSize));
}
