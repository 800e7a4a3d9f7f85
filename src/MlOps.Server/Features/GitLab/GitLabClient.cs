using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MlOps.Server.Infrastructure.Outbound;

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

    public Task<GitLabHook> GetProjectHookAsync(GitLabConnection connection, long projectId, long hookId,
        CancellationToken cancellationToken) =>
        SendAsync<GitLabHook>(connection, HttpMethod.Get, $"projects/{projectId}/hooks/{hookId}", null, cancellationToken);

    public Task<GitLabHook> EditProjectHookAsync(GitLabConnection connection, long projectId, long hookId, GitLabHookRequest hook,
        CancellationToken cancellationToken) =>
        SendAsync<GitLabHook>(connection, HttpMethod.Put, $"projects/{projectId}/hooks/{hookId}", hook, cancellationToken);

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
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(GitLabJson.Options, cancellationToken)
                ?? throw new ForgeResponseException("GitLab", "GitLab answered an empty body where the API documents an object.");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            // Not GitLab, or not a version we understand: the caller's request is fine, the forge's answer is not.
            throw new ForgeResponseException("GitLab", $"GitLab answered {(int)response.StatusCode} with a body that is not the "
                + "JSON its API documents.");
        }
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
        catch (HttpRequestException e) when (OutboundHttp.IsRefusal(e, out var refusal))
        {
            throw new GitLabException(0, $"Could not reach the GitLab API: {refusal!.Message}");
        }
        catch (Exception e) when (e is HttpRequestException or Polly.ExecutionRejectedException or TimeoutException)
        {
            // One message for refused, closed, filtered, slow and failing alike: the text must not
            // let a caller map the network behind this server (no ports, no socket errors, no bodies).
            throw new GitLabException(0, $"Could not reach the GitLab API at {connection.BaseUrl.Host}.");
        }
    }

    private static async Task<GitLabException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // GitLab's errors are {"message": "..."} (a string or an object of field errors) or {"error": "..."}.
        // Only those fields are passed on: a body that is not GitLab's error shape is never reflected.
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = "";
        try
        {
            using var json = JsonDocument.Parse(text);
            var root = json.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var message))
            {
                detail = message.ValueKind == JsonValueKind.String ? message.GetString()! : message.GetRawText();
            }
            else if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("error", out var error))
            {
                detail = error.ToString();
            }
        }
        catch (JsonException)
        {
        }
        detail = detail.Length > 300 ? detail[..300] : detail;
        // The standard reason phrase, not the one sent: that line is as much the other side's text as the body.
        var status = (int)response.StatusCode;
        return new GitLabException(status, $"GitLab answered {status} {Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status)}"
            + (detail.Length > 0 ? $": {detail}" : "."));
    }
}
