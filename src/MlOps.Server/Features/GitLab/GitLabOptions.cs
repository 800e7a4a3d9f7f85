using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Features.GitLab;

public sealed class GitLabOptions
{
    public const string Section = "GitLab";

    /// <summary>Retries after the first attempt on 408, 429 and 5xx (Retry-After is honoured when sent).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;

    /// <summary>First backoff delay; doubles each retry, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One attempt's limit: short, since a user waits on the link request.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The limit for a call including all its retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
