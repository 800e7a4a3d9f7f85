using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Namespaces;

/// <summary>The access rules shared by groups and projects.</summary>
public static class Access
{
    public static readonly string[] Visibilities = ["private", "internal", "public"];

    public static int Rank(string visibility) => Array.IndexOf(Visibilities, visibility);

    /// <summary>Admins act as owners everywhere.</summary>
    public static AccessLevel Effective(int storedLevel, Caller? caller) =>
        caller?.IsAdmin == true ? AccessLevel.Owner : (AccessLevel)storedLevel;

    /// <summary>
    /// Public things are seen by all, internal ones by anyone signed in, private ones by members only.
    /// </summary>
    public static bool CanSee(string visibility, AccessLevel level, Caller? caller) =>
        level > AccessLevel.None || visibility == "public" || (visibility == "internal" && caller is not null);

    /// <summary>
    /// Throws unless <paramref name="level"/> reaches <paramref name="needed"/>: 401 for anonymous
    /// callers (they may have a token that would do), 403 for those signed in.
    /// </summary>
    public static void Require(AccessLevel level, AccessLevel needed, Caller? caller, string what)
    {
        if (level >= needed)
        {
            return;
        }
        if (caller is null)
        {
            throw new UnauthorizedException($"Authentication is required to {what}.");
        }
        throw new ForbiddenException($"You need the {needed.ToRole()} role or higher to {what}.");
    }
}
