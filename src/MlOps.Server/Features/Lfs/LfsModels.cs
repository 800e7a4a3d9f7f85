using System.Text.Json;
using System.Text.Json.Serialization;

namespace MlOps.Server.Features.Lfs;

// The Git LFS batch API (git-lfs docs/api/batch.md); its JSON is snake_case, like ours.
public sealed record LfsBatchRequest(string? Operation, string[]? Transfers, LfsObjectSpec[]? Objects, LfsRefSpec? Ref,
    string? HashAlgo);

public sealed record LfsRefSpec(string? Name);

public sealed record LfsObjectSpec(string? Oid, long Size);

public sealed record LfsBatchResponse(string Transfer, IReadOnlyList<LfsObjectResult> Objects, string HashAlgo = "sha256");

public sealed record LfsObjectResult(string Oid, long Size, bool? Authenticated = null,
    IReadOnlyDictionary<string, LfsAction>? Actions = null, LfsError? Error = null);

public sealed record LfsAction(string Href, IReadOnlyDictionary<string, string>? Header, int ExpiresIn);

public sealed record LfsError(int Code, string Message);

public sealed record LfsErrorResponse(string Message, string? DocumentationUrl = null);

public static class LfsJson
{
    public const string ContentType = "application/vnd.git-lfs+json";

    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task WriteAsync<T>(HttpResponse response, int status, T body, CancellationToken cancellationToken)
    {
        response.StatusCode = status;
        response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(response.Body, body, Options, cancellationToken);
    }
}
