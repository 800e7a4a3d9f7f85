using MlOps.Server.Git;

namespace MlOps.Server.Features.Lfs;

/// <summary>The Git LFS batch API and basic transfer at `/{namespace}/{project}.git/info/lfs/...`.</summary>
public static class LfsEndpoints
{
    private const string Objects = "info/lfs/objects/";

    public static IEndpointRouteBuilder MapLfs(this IEndpointRouteBuilder app)
    {
        app.MapMethods($"/{{**lfsPath:{LfsRouteConstraint.Name}}}", ["GET", "POST", "PUT"], DispatchAsync)
            .WithTags("Git LFS")
            .WithSummary("The Git LFS batch API and basic transfer under /{namespace}/{project}.git/info/lfs")
            .ExcludeFromDescription();
        return app;
    }

    private static async Task DispatchAsync(HttpContext http, string lfsPath, LfsHandler lfs)
    {
        var ct = http.RequestAborted;
        var route = GitRoute.Parse(lfsPath)!;
        var method = http.Request.Method;
        try
        {
            switch (route.Action)
            {
                case "info/lfs/objects/batch" when method == "POST":
                    await lfs.BatchAsync(http, route, ct);
                    break;
                case var a when a.StartsWith(Objects, StringComparison.Ordinal) && method == "PUT":
                    await lfs.UploadAsync(http, route, a[Objects.Length..], ct);
                    break;
                case var a when a.StartsWith(Objects, StringComparison.Ordinal) && method == "GET":
                    await lfs.DownloadAsync(http, route, a[Objects.Length..], ct);
                    break;
                case var a when a.StartsWith("info/lfs/locks", StringComparison.Ordinal):
                    // Locks are optional in the LFS spec; 404 makes git-lfs say so and carry on.
                    throw new GitHttpException(StatusCodes.Status404NotFound, "This server does not support Git LFS file locking.");
                default:
                    throw new GitHttpException(StatusCodes.Status404NotFound, "Not a Git HTTP or Git LFS endpoint.");
            }
        }
        catch (GitHttpException e) when (!http.Response.HasStarted)
        {
            http.Response.StatusCode = e.StatusCode;
            if (e.StatusCode == StatusCodes.Status401Unauthorized)
            {
                http.Response.Headers.WWWAuthenticate = "Basic realm=\"MlOps\"";
                http.Response.Headers["LFS-Authenticate"] = "Basic realm=\"MlOps\"";
            }
            await LfsJson.WriteAsync(http.Response, e.StatusCode, new LfsErrorResponse(e.Message), ct);
        }
    }
}
