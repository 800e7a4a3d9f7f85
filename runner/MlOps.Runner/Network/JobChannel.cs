using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MlOps.Contracts.Runner;

namespace MlOps.Runner.Network;

/// <summary>Thrown when the server no longer lets this runner act on a job: it finished, or its lease lapsed and it went elsewhere.</summary>
public sealed class JobLostException(string message) : Exception(message);

/// <summary>
/// The runner protocol for one running job, each call carrying the job's token in JOB-TOKEN:
/// heartbeats and the end, log appends at a byte offset, artifact uploads and downloads (raw
/// bodies with their SHA-256), metrics.
/// </summary>
public sealed class JobChannel(HttpClient http, long jobId, string jobToken)
{
    public string JobToken => jobToken;

    public async Task<JobUpdateResponse> UpdateAsync(JobUpdate update, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Put, $"api/v1/runner/jobs/{jobId}", JsonContent.Create(update, options: CoordinatorClient.Json));
        using var response = await SendAsync(request, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<JobUpdateResponse>(CoordinatorClient.Json, cancellationToken))!;
    }

    /// <summary>Appends <paramref name="chunk"/> at <paramref name="offset"/>; answers where the log now ends. A refused offset answers the
    /// server's length instead, with <c>Accepted</c> false, so the caller can tell whether its bytes are already there.</summary>
    public async Task<(bool Accepted, long Size)> AppendLogAsync(long offset, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken)
    {
        using var content = new ReadOnlyMemoryContent(chunk);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using var request = Request(HttpMethod.Patch, $"api/v1/runner/jobs/{jobId}/log?offset={offset}", content);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            return (false, problem.GetProperty("size").GetInt64());
        }
        await EnsureAsync(response, cancellationToken);
        return (true, (await response.Content.ReadFromJsonAsync<LogSize>(CoordinatorClient.Json, cancellationToken))!.Size);
    }

    public async Task UploadArtifactAsync(string name, string type, string format, string path, string sha256, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        using var content = new StreamContent(file, 128 * 1024);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = file.Length;
        using var request = Request(HttpMethod.Put,
            $"api/v1/runner/jobs/{jobId}/artifacts/{Uri.EscapeDataString(name)}?type={Uri.EscapeDataString(type)}&format={format}", content);
        request.Headers.Add(JobHeaders.Sha256, sha256);
        using var response = await SendAsync(request, cancellationToken);
    }

    /// <summary>Streams a dependency to <paramref name="path"/>; the caller checks its SHA-256.</summary>
    public async Task DownloadDependencyAsync(long artifactId, string path, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Get, $"api/v1/runner/jobs/{jobId}/dependencies/{artifactId}", null);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        await using var file = File.Create(path);
        await response.Content.CopyToAsync(file, cancellationToken);
    }

    public async Task ReportMetricsAsync(IReadOnlyList<MetricPoint> metrics, CancellationToken cancellationToken)
    {
        using var request = Request(HttpMethod.Post, $"api/v1/runner/jobs/{jobId}/metrics",
            JsonContent.Create(new MetricsReport(metrics), options: CoordinatorClient.Json));
        using var response = await SendAsync(request, cancellationToken);
    }

    private HttpRequestMessage Request(HttpMethod method, string path, HttpContent? content)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add(JobHeaders.JobToken, jobToken);
        return request;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await http.SendAsync(request, cancellationToken);
        try
        {
            await EnsureAsync(response, cancellationToken);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    // 401/403 on a job call: the token died with the job (finished, canceled and reaped, or retried elsewhere).
    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new JobLostException(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        await CoordinatorClient.EnsureAsync(response, cancellationToken);
    }
}
