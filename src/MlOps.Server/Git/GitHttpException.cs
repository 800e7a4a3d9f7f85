namespace MlOps.Server.Git;

/// <summary>
/// A refusal on the Git HTTP or LFS routes. These are answered in the client's terms (plain text
/// that `git` prints as `remote: …`, or LFS JSON), not as API problems.
/// </summary>
public sealed class GitHttpException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
