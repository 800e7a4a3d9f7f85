using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Features.GitLab;

public sealed class GitLabOptions
{
    public const string Section = "GitLab";

    /// <summary>Retries after the first attempt on 408, 429 and 5xx (Retry-After is honoured when sent).</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First backoff delay; doubles each retry, with jitter.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>One attempt's limit.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The limit for a call including all its retries.</summary>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(90);
}
