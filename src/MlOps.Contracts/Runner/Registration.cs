namespace MlOps.Contracts.Runner;

/// <summary>`POST /api/v1/runner/register`: trade the registration token for a runner token.</summary>
public sealed record RegisterRunnerRequest(
    string RegistrationToken,
    string Name,
    string? Description = null,
    IReadOnlyList<string>? Tags = null,
    string? Version = null,
    string? Platform = null,
    string? Executor = null);

/// <summary>The runner token is returned once; the server keeps only its hash.</summary>
public sealed record RegisterRunnerResponse(long Id, string Token);

/// <summary>`POST /api/v1/runner/verify`: proves the token is still valid and reports the host's inventory.</summary>
public sealed record VerifyRunnerRequest(string Token, string? Version = null, IReadOnlyList<GpuDevice>? Gpus = null);

public sealed record VerifyRunnerResponse(long Id, string Name, bool Paused);

/// <summary>`DELETE /api/v1/runner`: the runner unregisters itself.</summary>
public sealed record UnregisterRunnerRequest(string Token);

/// <summary>One GPU as the runner sees it (from nvidia-smi), so the server can schedule and bill by model.</summary>
public sealed record GpuDevice(int Index, string Uuid, string Name, long MemoryMiB);
