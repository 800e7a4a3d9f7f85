using System.Text;
using MlOps.Server.Git;

namespace MlOps.Server.Features.GitHttp;

/// <summary>
/// Routes `/{namespace}/{project}.git/...` (the namespace may be nested) to smart HTTP; the LFS
/// feature maps `.../info/lfs/...` beside it. One catch-all route, constrained to
/// repository-shaped paths, since a nested namespace cannot be expressed as route segments
/// followed by literals.
/// </summary>
public static class GitHttpEndpoints
{
    public static IEndpointRouteBuilder MapGitHttp(this IEndpointRouteBuilder app)
    {
        app.MapMethods($"/{{**gitPath:{GitRouteConstraint.Name}}}", ["GET", "POST", "PUT"], DispatchAsync)
            .WithTags("Git HTTP")
            .WithSummary("Git smart HTTP (info/refs, git-upload-pack, git-receive-pack) at /{namespace}/{project}.git; "
                + "HTTP basic with a personal access token as password")
            .ExcludeFromDescription();
        return app;
    }

    private static async Task DispatchAsync(HttpContext http, string gitPath, SmartHttpHandler git)
    {
        var ct = http.RequestAborted;
        var route = GitRoute.Parse(gitPath)!;
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
                default:
                    throw new GitHttpException(StatusCodes.Status404NotFound, "Not a Git HTTP or Git LFS endpoint.");
            }
        }
        catch (GitHttpException e) when (!http.Response.HasStarted)
        {
            await WriteErrorAsync(http, e.StatusCode, e.Message);
        }
        catch (MalformedPktLineException e) when (!http.Response.HasStarted)
        {
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, e.Message);
        }
        catch (InvalidDataException e) when (!http.Response.HasStarted)
        {
            // GZipStream on a body that is not gzip.
            await WriteErrorAsync(http, StatusCodes.Status400BadRequest, "The request body is not valid gzip: " + e.Message);
        }
    }

    private static async Task WriteErrorAsync(HttpContext http, int status, string message)
    {
        http.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"MlOps\"";
        }
        // `git` prints a text/plain error body to the user, each line as `remote: …`.
        http.Response.ContentType = "text/plain; charset=utf-8";
        await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(message + "\n"), http.RequestAborted);
    }

    public static IServiceCollection AddGitHttp(this IServiceCollection services)
    {
        // Stateless: they hold only other singletons.
        services.AddSingleton<GitServiceRunner>();
        services.AddSingleton<SmartHttpHandler>();
        return services;
    }
}
