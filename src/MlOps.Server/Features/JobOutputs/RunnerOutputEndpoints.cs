using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Contracts.Runner;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.JobOutputs;

/// <summary>
/// What a running job sends up with its job token: log appends at a byte offset, artifacts
/// (raw bodies with their SHA-256), metrics; and the artifacts of the jobs it needs, downloaded.
/// </summary>
public static partial class RunnerOutputEndpoints
{
    public static RouteGroupBuilder MapRunnerOutputEndpoints(this RouteGroupBuilder api)
    {
        var job = api.MapGroup("/runner/jobs/{id:long}").WithTags("Runner protocol");

        job.MapPatch("/log", async Task<IResult> (long id, long? offset, HttpContext http, JobLogStore logs, CancellationToken ct) =>
        {
            http.RequireJob(id);
            var from = offset ?? throw new ValidationException("offset", "offset (the byte offset this chunk starts at) is required.");
            var result = await logs.AppendAsync(id, from, http.Request.Body, ct);
            http.Response.Headers[JobHeaders.LogSize] = result.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return result.Accepted
                ? TypedResults.Accepted((string?)null, new LogSize(result.Size))
                : TypedResults.Problem(statusCode: StatusCodes.Status416RangeNotSatisfiable, title: "Wrong log offset",
                    detail: $"The log of job {id} is {result.Size} bytes long, not {from}: append from {result.Size}.",
                    extensions: new Dictionary<string, object?> { ["size"] = result.Size });
        }).WithMetadata(new RawBodyLimit(16 * 1024 * 1024))
          .WithSummary("Append to the job's log at ?offset= (raw body; 416 with the log's size when the offset is wrong)");

        job.MapPut("/artifacts/{name}", async Task<Created<ArtifactResponse>> (long id, string name, string? type, string? format,
            HttpContext http, ArtifactStore artifacts, CancellationToken ct) =>
        {
            http.RequireJob(id);
            var sha = http.Request.Headers[JobHeaders.Sha256].ToString().ToLowerInvariant();
            new Validator()
                .Check(OutputName().IsMatch(name) && name.Length <= 128, "name", "name must be the output's name ([A-Za-z_][A-Za-z0-9_]*).")
                .Check(Sha256().IsMatch(sha), JobHeaders.Sha256, $"the {JobHeaders.Sha256} header must hold the body's SHA-256 in hex.")
                .Check(format is null or "file" or "tar", "format", "format must be file or tar.")
                .Check(type is null || OutputName().IsMatch(type), "type", "type must be an output type.")
                .ThrowIfAny();
            var row = await artifacts.SaveAsync(id, name, type ?? "artifact", format ?? "file", sha, http.Request.Body, ct);
            return TypedResults.Created($"/api/v1/jobs/{id}/artifacts/{name}", ArtifactResponse.From(row));
        }).WithMetadata(new RawBodyLimit(ArtifactStore.MaxArtifactBytes))
          .WithSummary("Upload an output of this job (raw body, X-Checksum-Sha256 header; ?type=&format=file|tar)");

        job.MapGet("/dependencies/{artifactId:long}", async Task<IResult> (long id, long artifactId, HttpContext http, ArtifactStore artifacts,
            CancellationToken ct) =>
        {
            http.RequireJob(id);
            var row = await artifacts.FindDependencyAsync(id, artifactId, ct)
                ?? throw new NotFoundException($"Artifact {artifactId} is not an output of a job that job {id} needs.");
            http.Response.Headers[JobHeaders.Sha256] = row.Sha256;
            return TypedResults.PhysicalFile(artifacts.PathOf(row.Sha256), "application/octet-stream", enableRangeProcessing: true);
        }).WithSummary("Download an artifact of a job this job needs");

        job.MapPost("/metrics", async Task<Ok<object>> (long id, MetricsReport report, HttpContext http, JobOutputRepository repository,
            CancellationToken ct) =>
        {
            http.RequireJob(id);
            var metrics = report.Metrics ?? [];
            new Validator()
                .Check(metrics.Count <= 10_000, "metrics", "at most 10,000 values a report.")
                .Check(metrics.All(m => m.Name is { Length: > 0 and <= 128 } && double.IsFinite(m.Value) && m.Step is null or >= 0), "metrics",
                    "each metric needs a name (1 to 128 characters), a finite value and a step of 0 or more.")
                .ThrowIfAny();
            return TypedResults.Ok<object>(new { stored = await repository.SaveMetricsAsync(id, metrics, ct) });
        }).WithSummary("Report metric values (name, value, step)");
        return api;
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex OutputName();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256();
}

public sealed record ArtifactResponse(long Id, string Name, string Type, string Format, long SizeBytes, string Sha256, DateTime CreatedAt)
{
    public static ArtifactResponse From(ArtifactRow r) => new(r.Id, r.Name, r.Type, r.Format, r.SizeBytes, r.Sha256, r.CreatedAt);
}
