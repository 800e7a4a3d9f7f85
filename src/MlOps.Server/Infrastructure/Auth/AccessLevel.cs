namespace MlOps.Server.Infrastructure.Auth;

/// <summary>GitLab's access levels, so that its users read our roles at once.</summary>
public enum AccessLevel
{
    None = 0,
    /// <summary>Sees a project and its members, but not a private project's repository, runs or artifacts.</summary>
    Guest = 10,
    Reporter = 20,
    Developer = 30,
    Maintainer = 40,
    Owner = 50,
}

public static class AccessLevels
{
    public static string ToRole(this AccessLevel level) => level switch
    {
        AccessLevel.Guest => "guest",
        AccessLevel.Reporter => "reporter",
        AccessLevel.Developer => "developer",
        AccessLevel.Maintainer => "maintainer",
        AccessLevel.Owner => "owner",
        _ => "none",
    };

    public static bool TryParseRole(string? role, out AccessLevel level)
    {
        level = role?.Trim().ToLowerInvariant() switch
        {
            "guest" => AccessLevel.Guest,
            "reporter" => AccessLevel.Reporter,
            "developer" => AccessLevel.Developer,
            "maintainer" => AccessLevel.Maintainer,
            "owner" => AccessLevel.Owner,
            _ => AccessLevel.None,
        };
        return level != AccessLevel.None;
    }
}
