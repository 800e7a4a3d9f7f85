using System.Text.Json;
using Microsoft.Extensions.Options;
using MlOps.Server.Features.GitHttp;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Lfs;

/// <summary>The Git LFS batch API and the basic transfer's object upload and download.</summary>
public sealed class LfsHandler(GitAccessResolver access, LfsObjectStore store, LfsRepository lfs, IOptions<LfsOptions> options,
    IConfiguration configuration, ILogger<LfsHandler> logger)
{
    private const int MaxObjectsPerBatch = 1000;

    public async Task BatchAsync(HttpContext http, GitRoute route, CancellationToken cancellationToken)
    {
        LfsBatchRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<LfsBatchRequest>(http.Request.Body, LfsJson.Options, cancellationToken);
        }
        catch (JsonException e)
        {
            throw new GitHttpException(StatusCodes.Status422UnprocessableEntity, $"The batch request is not valid: {BindingErrors.Describe(e)}.");
        }
        var upload = request?.Operation switch
        {
            "upload" => true,
            "download" => false,
            _ => throw new GitHttpException(StatusCodes.Status422UnprocessableEntity, "operation must be 'upload' or 'download'."),
        };
        var objects = request!.Objects ?? [];
        if (objects.Length > MaxObjectsPerBatch)
        {
            throw new GitHttpException(StatusCodes.Status413PayloadTooLarge, $"At most {MaxObjectsPerBatch} objects per batch.");
        }
        if (request.HashAlgo is not (null or "sha256"))
        {
            throw new GitHttpException(StatusCodes.Status409Conflict, "Only the sha256 hash algorithm is supported.");
        }
        var granted = await access.ResolveAsync(http, route, upload, cancellationToken);

        var valid = objects.Where(o => LfsObjectStore.IsValidOid(o.Oid)).Select(o => o.Oid!).Distinct().ToList();
        var linked = await lfs.LinkedAsync(granted.Project.Id, valid, cancellationToken);
        var header = Header(http);
        var expiresIn = options.Value.ActionExpiresInSeconds;
        var results = objects.Select(o => Answer(o, upload, linked, Href(http, route, o.Oid ?? ""), header, expiresIn)).ToList();
        await LfsJson.WriteAsync(http.Response, StatusCodes.Status200OK, new LfsBatchResponse("basic", results), cancellationToken);
    }

    private LfsObjectResult Answer(LfsObjectSpec o, bool upload, Dictionary<string, long> linked, string href,
        IReadOnlyDictionary<string, string>? header, int expiresIn)
    {
        var oid = o.Oid ?? "";
        if (!LfsObjectStore.IsValidOid(oid))
        {
            return new LfsObjectResult(oid, o.Size, Error: new LfsError(422, "The oid must be 64 lowercase hexadecimal digits (SHA-256)."));
        }
        if (o.Size < 0)
        {
            return new LfsObjectResult(oid, o.Size, Error: new LfsError(422, "The size must not be negative."));
        }
        var present = linked.ContainsKey(oid) && store.Exists(oid);
        if (upload)
        {
            if (o.Size > options.Value.MaxObjectBytes)
            {
                return new LfsObjectResult(oid, o.Size, Error: new LfsError(422,
                    $"The object is {o.Size} bytes; the limit per object is {options.Value.MaxObjectBytes} bytes."));
            }
            // Present: no action, the client skips it. Stored for another project only: the
            // client must still upload it, to prove it has the bytes before it may read them.
            return present
                ? new LfsObjectResult(oid, o.Size)
                : new LfsObjectResult(oid, o.Size, true, new Dictionary<string, LfsAction> { ["upload"] = new(href, header, expiresIn) });
        }
        return present
            ? new LfsObjectResult(oid, linked[oid], true, new Dictionary<string, LfsAction> { ["download"] = new(href, header, expiresIn) })
            : new LfsObjectResult(oid, o.Size, Error: new LfsError(404, "Object does not exist on the server."));
    }

    public async Task UploadAsync(HttpContext http, GitRoute route, string oid, CancellationToken cancellationToken)
    {
        if (!LfsObjectStore.IsValidOid(oid))
        {
            throw new GitHttpException(StatusCodes.Status422UnprocessableEntity, "The oid must be 64 lowercase hexadecimal digits (SHA-256).");
        }
        var granted = await access.ResolveAsync(http, route, write: true, cancellationToken);
        var max = options.Value.MaxObjectBytes;
        if (http.Request.ContentLength > max)
        {
            throw new GitHttpException(StatusCodes.Status413PayloadTooLarge,
                $"The object is {http.Request.ContentLength} bytes; the limit per object is {max} bytes.");
        }
        var size = await store.WriteAsync(oid, http.Request.Body, http.Request.ContentLength, max, cancellationToken);
        var total = await lfs.LinkAsync(granted.Project.Id, oid, size, CancellationToken.None);
        logger.LogInformation("LFS object {Oid} ({Size} bytes) stored for project {ProjectId}; project LFS total {Total}",
            oid, size, granted.Project.Id, total);
        http.Response.StatusCode = StatusCodes.Status200OK;
    }

    public async Task DownloadAsync(HttpContext http, GitRoute route, string oid, CancellationToken cancellationToken)
    {
        if (!LfsObjectStore.IsValidOid(oid))
        {
            throw new GitHttpException(StatusCodes.Status422UnprocessableEntity, "The oid must be 64 lowercase hexadecimal digits (SHA-256).");
        }
        var granted = await access.ResolveAsync(http, route, write: false, cancellationToken);
        var linked = await lfs.LinkedAsync(granted.Project.Id, [oid], cancellationToken);
        if (!linked.ContainsKey(oid) || !store.Exists(oid))
        {
            throw new GitHttpException(StatusCodes.Status404NotFound, "Object does not exist on the server.");
        }
        http.Response.ContentType = "application/octet-stream";
        http.Response.ContentLength = linked[oid];
        await http.Response.SendFileAsync(store.PathOf(oid), cancellationToken);
    }

    // git-lfs sends the action's headers with the transfer, so the same credentials carry over.
    private static Dictionary<string, string>? Header(HttpContext http)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        return authorization.Length > 0 ? new Dictionary<string, string> { ["Authorization"] = authorization } : null;
    }

    private string Href(HttpContext http, GitRoute route, string oid)
    {
        var external = configuration["Server:ExternalUrl"];
        var baseUrl = string.IsNullOrEmpty(external) ? $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}" : external.TrimEnd('/');
        return $"{baseUrl}/{route.Namespace}/{route.Project}.git/info/lfs/objects/{oid}";
    }
}
