using System.Text.Json;

namespace MlOps.Server.Features.Runs;

public sealed record ManualRunRequest(string? Pipeline, string? Ref, Dictionary<string, JsonElement>? Params);

public sealed record RetryRequest(bool? FailedOnly);

public sealed record RunResponse(
    long Id, long ProjectId, string? Pipeline, string Ref, string CommitSha, string Trigger, string Status,
    long? TriggeredBy, string TriggeredByName, long? PushEventId, long? DeliveryId, long? RetryOf, string? ConcurrencyGroup,
    JsonElement Params, JsonElement? Error, JsonElement Context, DateTime CreatedAt, DateTime? StartedAt, DateTime? FinishedAt,
    IReadOnlyList<JobResponse>? Jobs)
{
    public static RunResponse From(RunRow r, IReadOnlyList<JobRow>? jobs) => new(
        r.Id, r.ProjectId, r.Pipeline, r.Ref, r.CommitSha, r.Trigger, r.Status, r.TriggeredBy, r.TriggeredByName, r.PushEventId,
        r.DeliveryId, r.RetryOf, r.ConcurrencyGroup, Parse(r.Params), r.Error is null ? null : Parse(r.Error), Parse(r.Context),
        r.CreatedAt, r.StartedAt, r.FinishedAt, jobs?.Select(j => JobResponse.From(j, withSpec: false)).ToList());

    internal static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}

public sealed record JobResponse(
    long Id, long RunId, long ProjectId, string Name, string Pipeline, string Ref, string CommitSha, string Status,
    IReadOnlyList<string> Needs, string? CacheKey, long? CachedFrom, int Attempt, int MaxAttempts, long? RunnerId,
    bool CancelRequested, int? ExitCode, string? FailureReason, string? WaitingReason, int Gpus, string? GpuModel, double Cpus,
    long MemoryBytes, int TimeoutSeconds, DateTime CreatedAt, DateTime? QueuedAt, DateTime? StartedAt, DateTime? FinishedAt,
    JsonElement? Spec)
{
    public static JobResponse From(JobRow j, bool withSpec) => new(
        j.Id, j.RunId, j.ProjectId, j.Name, j.Pipeline, j.Ref, j.CommitSha, j.Status, j.Needs, j.CacheKey, j.CachedFrom, j.Attempt,
        j.MaxAttempts, j.RunnerId, j.CancelRequested, j.ExitCode, j.FailureReason, j.WaitingReason, j.Gpus, j.GpuModel, j.Cpus,
        j.MemoryBytes, j.TimeoutSeconds, j.CreatedAt, j.QueuedAt, j.StartedAt, j.FinishedAt,
        withSpec ? RunResponse.Parse(j.Spec) : null);
}
