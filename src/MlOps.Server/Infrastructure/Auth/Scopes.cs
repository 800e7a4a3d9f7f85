namespace MlOps.Server.Infrastructure.Auth;

public static class Scopes
{
    /// <summary>Full access to the REST API as the token's user.</summary>
    public const string Api = "api";

    /// <summary>Clone and fetch over Git HTTP, download LFS objects.</summary>
    public const string ReadRepository = "read_repository";

    /// <summary>Push over Git HTTP, upload LFS objects.</summary>
    public const string WriteRepository = "write_repository";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        Api, ReadRepository, WriteRepository,
    };
}
