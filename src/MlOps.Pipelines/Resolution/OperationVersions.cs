using MlOps.Pipelines.Parsing;

namespace MlOps.Pipelines.Resolution;

/// <summary>The two exact forms of an operation version, as <c>uses:</c> accepts them.</summary>
public static class OperationVersions
{
    /// <summary>A semantic version (<c>1.2.0</c>, <c>1.2.0-rc.1</c>): what a publisher names a version.</summary>
    public static bool IsSemVer(string version) => OperationRefParser.IsSemVer(version);

    /// <summary>A full 40-hex commit SHA of the operation's repository.</summary>
    public static bool IsCommitSha(string version) => OperationRefParser.IsCommitSha(version);
}
