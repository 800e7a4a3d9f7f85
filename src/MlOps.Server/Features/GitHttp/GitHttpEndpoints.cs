using System.Text;
using MlOps.Server.Features.Lfs;

namespace MlOps.Server.Features.GitHttp;

/// <summary>
/// Routes `/{namespace}/{project}.git/...` (the namespace may be nested) to smart HTTP and LFS.
/// One catch-all route, constrained to repository-shaped paths, since a nested namespace cannot
/// be expressed as route segments followed by literals.
/// </summary>
public static class GitHttpEndpoints
{
    private const string LfsObjects = "info/lfs/objects/";

    public static IEndpointRouteBuilder MapGitHttp(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/{**gitPath:gitrepo}", ["GET", "POST", "PUT"], DispatchAsync)
            .WithTags("Git HTTP")
            .WithSummary("Git smart HTTP (info/refs, git-upload-pack, git-receive-pack) and the Git LFS batch API, "
                + "at /{namespace}/{project}.git; HTTP basic with a personal access token as password")
            .ExcludeFromDescription();
        return app;
    }

    private static async Task DispatchAsync(HttpContext http, string gitPath, SmartHttpHandler git, LfsHandler lfs)
    {
        var ct = http.RequestAborted;
        var route = GitRoute.Parse(gitPath)!;
        var isLfs = route.Action.StartsWith("info/lfs", StringComparison.Ordinal);
        var method = http.Request.Method;
        try
        {
            switch (route.Action)
            {
                case "info/refs" when method == "GET":
                    await git.InfoRefsAsync(http, route, ct);
                    break;
                case "git-upload-pack" when method == "POST":
                    await git.UploadPackAsync(http, route, ct);
                    break;
                case "git-receive-pack" when method == "POST":
                    await git.ReceivePackAsync(http, route, ct);
                    break;
                case "info/lfs/objects/batch" when method == "POST":
                    await lfs.BatchAsync(http, route, ct);
                    break;
                case var a when a.StartsWith(LfsObjects, StringComparison.Ordinal) && method == "PUT":
                    await lfs.UploadAsync(http, route, a[LfsObjects.Length..], ct);
                    break;
                case var a when a.StartsWith(LfsObjects, StringComparison.Ordinal) && method == "GET":
                    await lfs.DownloadAsync(http, route, a[LfsObjects.Length..], ct);
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
            await WriteErrorAsync(http, e.StatusCode, e.Message, isLfs);
        }
        catch (MalformedPktLineException e) when (!http.Response.HasStarted)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, e.Message, isLfs);
        }
        catch (InvalidDataException e) when (!http.Response.HasStarted)
        {
            // GZipStream on a body that is not gzip.
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, "The request body is not valid gzip: " + e.Message, isLfs);
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string message, bool isLfs)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"MlOps\"";
            if (isLfs)
            {
                http.Response.Headers["LFS-Authenticate"] = "Basic realm=\"MlOps\"";
            }
        }
        if (isLfs)
        {
            await LfsJson.WriteAsync(http.Response, status, new LfsErrorResponse(message), http.RequestAborted);
            return;
        }
        // `git` prints a text/plain error body to the user, each line as `remote: …`.
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(message + "\n"), http.RequestAborted);
    }

    public static IServiceCollection AddGitHttp(this IServiceCollection services)
    {
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<GitRouteConstraint>("gitrepo"));
        // Stateless: they hold only other singletons.
        services.AddSingleton<GitAccessResolver>();
        services.AddSingleton<GitServiceRunner>();
        services.AddSingleton<SmartHttpHandler>();
        return services;
    }
}
