using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace MlOps.Server.Features.GitLab;

/// <summary>
/// A small typed client for the parts of GitLab's REST API v4 the server uses. Retries with
/// backoff on 408/429/5xx (honouring Retry-After) and timeouts come from the resilience handler
/// that <see cref="GitLabSetup.AddGitLab"/> puts in front of it. Each call names its connection,
/// since every linked project may live on a different GitLab with its own token.
/// </summary>
public sealed class GitLabClient(HttpClient http)
{
    public Task<GitLabProject> GetProjectAsync(GitLabConnection connection, string idOrPath, CancellationToken cancellationToken) =>
        SendAsync<GitLabProject>(connection, HttpMethod.Get, $"projects/{Uri.EscapeDataString(idOrPath)}", null, cancellationToken);

    public Task<GitLabHook> CreateProjectHookAsync(GitLabConnection connection, long projectId, GitLabHookRequest hook,
        CancellationToken cancellationToken) =>
        SendAsync<GitLabHook>(connection, HttpMethod.Post, $"projects/{projectId}/hooks", hook, cancellationToken);

    /// <summary>The project's hooks (first 100: a project with more has bigger problems than ours).</summary>
    public Task<List<GitLabHook>> ListProjectHooksAsync(GitLabConnection connection, long projectId, CancellationToken cancellationToken) =>
        SendAsync<List<GitLabHook>>(connection, HttpMethod.Get, $"projects/{projectId}/hooks?per_page=100", null, cancellationToken);

    public async Task DeleteProjectHookAsync(GitLabConnection connection, long projectId, long hookId, CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(connection, HttpMethod.Delete, $"projects/{projectId}/hooks/{hookId}", null,
            cancellationToken);
        if (!response.IsSuccessStatusCode && response.StatusCode != System.Net.HttpStatusCode.NotFound)
        {
            throw await ErrorAsync(response, cancellationToken);
        }
    }

    /// <summary>`state`: pending, running, success, failed or canceled.</summary>
    public Task<GitLabCommitStatus> CreateCommitStatusAsync(GitLabConnection connection, long projectId, string sha, string state,
        string name, string? targetUrl, string? description, string? refName, CancellationToken cancellationToken) =>
        SendAsync<GitLabCommitStatus>(connection, HttpMethod.Post, $"projects/{projectId}/statuses/{Uri.EscapeDataString(sha)}",
            new { state, name, target_url = targetUrl, description, @ref = refName }, cancellationToken);

    private async Task<T> SendAsync<T>(GitLabConnection connection, HttpMethod method, string path, object? body,
        CancellationToken cancellationToken)
    {
        using var response = await SendRawAsync(connection, method, path, body, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken);
        }
        return await response.Content.ReadFromJsonAsync<T>(GitLabJson.Options, cancellationToken)
            ?? throw new GitLabException((int)response.StatusCode, "GitLab returned an empty body.");
    }

    private async Task<HttpResponseMessage> SendRawAsync(GitLabConnection connection, HttpMethod method, string path, object? body,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(connection.BaseUrl, "api/v4/" + path));
        request.Headers.Add("PRIVATE-TOKEN", connection.Token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: GitLabJson.Options);
        }
        try
        {
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new GitLabException(0, $"GitLab at {connection.BaseUrl} could not be reached: {e.Message}");
        }
        catch (Polly.ExecutionRejectedException e)
        {
            // A timeout or an open circuit breaker, after the retries.
            throw new GitLabException(0, $"GitLab at {connection.BaseUrl} did not answer in time or is failing: {e.Message}");
        }
    }

    private static async Task<GitLabException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // GitLab's errors are {"message": "..."} (a string or an object of field errors) or {"error": "..."}.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = text;
        try
        {
            using var json = JsonDocument.Parse(text);
            if (json.RootElement.TryGetProperty("message", out var message))
            {
                detail = message.ValueKind == JsonValueKind.String ? message.GetString()! : message.GetRawText();
            }
            else if (json.RootElement.TryGetProperty("error", out var error))
            {
                detail = error.ToString();
            }
        }
        catch (JsonException)
        {
        }
        return new GitLabException((int)response.StatusCode,
            $"GitLab answered {(int)response.StatusCode} {response.ReasonPhrase}: {(detail.Length > 300 ? detail[..300] : detail)}");
    }
}
