using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MlOps.Contracts.Runner;

namespace MlOps.Runner.Network;

/// <summary>The server as the runner sees it: the runner protocol under /api/v1/runner.</summary>
public sealed class CoordinatorClient(HttpClient http)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task<RegisterRunnerResponse> RegisterAsync(RegisterRunnerRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/v1/runner/register", request, Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<RegisterRunnerResponse>(Json, cancellationToken))!;
    }

    /// <summary>Null when the server no longer knows the token (the runner was removed).</summary>
    public async Task<VerifyRunnerResponse?> VerifyAsync(VerifyRunnerRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/v1/runner/verify", request, Json, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            return null;
        }
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<VerifyRunnerResponse>(Json, cancellationToken);
    }

    public async Task UnregisterAsync(string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "api/v1/runner")
        {
            Content = JsonContent.Create(new UnregisterRunnerRequest(token), options: Json),
        };
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    /// <summary>Long poll: a job for this runner, or null when none came within the server's wait.</summary>
    public async Task<JobPayload?> RequestJobAsync(JobRequest request, CancellationToken cancellationToken)
    {
        using var response = await http.PostAsJsonAsync("api/v1/runner/jobs/request", request, Json, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JobPayload>(Json, cancellationToken);
    }

    /// <summary>The calls about one claimed job, authenticated by its job token.</summary>
    public JobChannel ForJob(JobPayload job) => new(http, job.Id, job.JobToken);

    internal static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            // Problem details say what went wrong; they never echo tokens back.
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new CoordinatorException(response.StatusCode, body);
        }
    }
}

public sealed class CoordinatorException(HttpStatusCode status, string body)
    : Exception($"The server answered {(int)status}: {body}")
{
    public HttpStatusCode Status { get; } = status;
}
