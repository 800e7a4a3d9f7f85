using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.AccessControl;

/// <summary>Visibility rules shared by groups and projects.</summary>
public static class Rules
{
    public static readonly string[] Visibilities = ["private", "internal", "public"];

    public static int Rank(string visibility) => Array.IndexOf(Visibilities, visibility);

    /// <summary>The level a caller acts with, from the level stored for them: admins act as owners everywhere.</summary>
    public static AccessLevel Effective(int storedLevel, Caller? caller) =>
        caller?.IsAdmin == true ? AccessLevel.Owner : (AccessLevel)storedLevel;

    /// <summary>Public things are seen by all, internal ones by anyone signed in, private ones by members only.</summary>
    public static bool CanSee(string visibility, AccessLevel level, Caller? caller) =>
        level > AccessLevel.None || caller?.IsAdmin == true || visibility == "public" || (visibility == "internal" && caller is not null);
}
