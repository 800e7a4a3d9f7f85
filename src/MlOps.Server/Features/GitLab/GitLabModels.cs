using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlOps.Server.Features.GitLab;

/// <summary>Where and as whom to call a GitLab instance.</summary>
public sealed record GitLabConnection(Uri BaseUrl, string Token);

// The fields we use of GitLab's REST API v4 responses (docs: api/projects.md, api/projects.md#hooks,
// api/commits.md#set-the-pipeline-status-of-a-commit); others are ignored.
public sealed record GitLabProject(long Id, string PathWithNamespace, string HttpUrlToRepo, string WebUrl, string? DefaultBranch);

public sealed record GitLabHook(long Id, string Url, bool PushEvents, bool TagPushEvents, bool MergeRequestsEvents = false);

/// <summary>The events our hook subscribes to (api/project_webhooks.md "Add a webhook to a project").</summary>
public sealed record GitLabHookRequest(string Url, string Token, bool PushEvents = true, bool TagPushEvents = true,
    bool MergeRequestsEvents = true, bool EnableSslVerification = true)
{
    /// <summary>
    /// Bumped whenever the settings above change; links registered with an older version are
    /// updated once at start-up (<see cref="GitLabHookUpgrade"/>). 2: merge request events.
    /// </summary>
    public const int Version = 2;
}

public sealed record GitLabCommitStatus(long Id, string Sha, string Status, string Name, string? TargetUrl, string? Description);

/// <summary>GitLab answered with an error that retrying will not fix (or retries ran out).</summary>
public sealed class GitLabException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}

internal static class GitLabJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
