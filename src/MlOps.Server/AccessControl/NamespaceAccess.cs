using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.AccessControl;

/// <summary>What a caller wants to do in a group or a user's namespace.</summary>
public enum NamespaceAction
{
    /// <summary>See it and list what it holds.</summary>
    Read,
    /// <summary>Create a project in it: developer in a group, the owner in a personal namespace.</summary>
    CreateProject,
    /// <summary>Members, settings, subgroups.</summary>
    Manage,
    /// <summary>Delete it, grant owner, read its client's usage and statements.</summary>
    Own,
}

/// <summary>A namespace the gate let the caller act on.</summary>
public sealed class NamespaceAccess
{
    public long NamespaceId { get; init; }
    public string Kind { get; init; } = "";
    public string FullPath { get; init; } = "";
    public long? ParentId { get; init; }
    /// <summary>The top-level namespace this one bills to (itself when it is top-level).</summary>
    public long ClientId { get; init; }
    public string Visibility { get; init; } = "";
    public AccessLevel Level { get; init; }

    public bool IsGroup => Kind == "group";

    public static AccessLevel Needs(NamespaceAction action, bool isGroup) => action switch
    {
        NamespaceAction.Read => AccessLevel.None,
        NamespaceAction.CreateProject => isGroup ? AccessLevel.Developer : AccessLevel.Owner,
        NamespaceAction.Manage => AccessLevel.Maintainer,
        NamespaceAction.Own => AccessLevel.Owner,
        _ => throw new ArgumentOutOfRangeException(nameof(action)),
    };

    public static string Describe(NamespaceAction action) => action switch
    {
        NamespaceAction.Read => "see this namespace",
        NamespaceAction.CreateProject => "create a project in this namespace",
        NamespaceAction.Manage => "manage this group",
        NamespaceAction.Own => "do this as an owner of this namespace",
        _ => action.ToString(),
    };
}
