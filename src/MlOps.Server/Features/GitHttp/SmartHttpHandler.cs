using System.IO.Compression;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using MlOps.Server.AccessControl;
using MlOps.Server.Git;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Namespaces;
using MlOps.Server.Infrastructure.Observability;
using MlOps.Server.Quotas;

namespace MlOps.Server.Features.GitHttp;

/// <summary>Git smart HTTP (gitprotocol-http(5)): ref advertisement, fetch and push.</summary>
public sealed partial class SmartHttpHandler(GitAccessResolver access, EmbeddedGitBackend embedded, GitBackends backends, GitServiceRunner runner,
    ProtectedBranchRepository protectedBranches, PushEventRepository pushEvents, ProjectStore projects, LfsRepository lfs,
    RepositoryHousekeeping housekeeping, StorageQuotaCheck storageQuota, ServerMetrics metrics,
    ILogger<SmartHttpHandler> logger)
{
    private const int MaxCommandBytes = 4 * 1024 * 1024;

    [GeneratedRegex("^[A-Za-z0-9=:.,_-]{1,100}$")]
    private static partial Regex ProtocolPattern();

    public async Task InfoRefsAsync(HttpContext http, GitRoute route, CancellationToken cancellationToken)
    {
        var service = http.Request.Query["service"].ToString();
        if (service is not ("git-upload-pack" or "git-receive-pack"))
        {
            throw new GitHttpException(StatusCodes.Status400BadRequest,
                "Only Git's smart HTTP protocol is supported; use git 1.6.6 or later.");
        }
        var write = service == "git-receive-pack";
        var granted = await access.ResolveAsync(http, route, write, cancellationToken);
        var path = await RepositoryAsync(granted.Project, cancellationToken);
        var environment = Environment(http);

        StartStreaming(http, $"application/x-{service}-advertisement");
        // Protocol v2 starts with its capability advertisement; v0/v1 expect this header first.
        if (!environment.TryGetValue("GIT_PROTOCOL", out var protocol) || !protocol.Contains("version=2", StringComparison.Ordinal))
        {
            await http.Response.Body.WriteAsync(PktLine.Encode($"# service={service}\n"), cancellationToken);
            await http.Response.Body.WriteAsync(PktLine.Flush, cancellationToken);
        }
        await runner.RunAsync(service[4..], path, advertiseRefs: true, environment, null, null, http.Response.Body, null,
            cancellationToken);
    }

    public async Task UploadPackAsync(HttpContext http, GitRoute route, CancellationToken cancellationToken)
    {
        var granted = await access.ResolveAsync(http, route, write: false, cancellationToken);
        var path = await RepositoryAsync(granted.Project, cancellationToken);
        await using var body = RequestBody(http);
        StartStreaming(http, "application/x-git-upload-pack-result");
        await runner.RunAsync("upload-pack", path, advertiseRefs: false, Environment(http), null, body, http.Response.Body, null,
            cancellationToken);
    }

    public async Task ReceivePackAsync(HttpContext http, GitRoute route, CancellationToken cancellationToken)
    {
        var granted = await access.ResolveAsync(http, route, write: true, cancellationToken);
        var path = await RepositoryAsync(granted.Project, cancellationToken);
        http.Request.Body = metrics.CountGitReceived(http.Request.Body);
        await using var body = RequestBody(http);
        var (commands, updates, capabilities) = await PktLine.ReadCommandsAsync(body, MaxCommandBytes, cancellationToken);

        var environment = Environment(http);
        // Independent lookups, side by side: every millisecond before the ack delays the run.
        var protectedNamesTask = protectedBranches.ListAsync(granted.Project.ProjectId, cancellationToken);
        var roomTask = storageQuota.RoomAsync(granted.Project.ProjectId, cancellationToken);
        var lfsWaitingTask = lfs.HasUnreachableAsync(granted.Project.ProjectId, cancellationToken);
        var protectedNames = await protectedNamesTask;
        environment[PushPolicyHook.PushVariable] = "1";
        environment[PushPolicyHook.ProtectedRefsVariable] = string.Join(' ', protectedNames.Select(n => "refs/heads/" + n));
        environment[PushPolicyHook.MaintainerVariable] = granted.Level >= AccessLevel.Maintainer ? "1" : "0";
        environment[PushPolicyHook.DefaultBranchVariable] = "refs/heads/" + granted.Project.DefaultBranch;
        if (await roomTask is { } room)
        {
            environment[PushPolicyHook.StorageLeftVariable] = Math.Max(0, room.Left).ToString(System.Globalization.CultureInfo.InvariantCulture);
            environment[PushPolicyHook.StorageRefusalVariable] = room.Refusal(room.Left > 0
                ? $"this push adds more than the {ByteSize.Format(room.Left)} left" : "this push adds data");
        }
        PushPolicyHook.Install(path);
        // LFS objects are uploaded before the push that points at them. Only when some of this
        // project's are still unreached is the push scanned for pointers, from what the refs
        // reached before; one uploaded while this push runs is left to LFS housekeeping.
        var refsBefore = await lfsWaitingTask ? await RefTipsAsync(path, cancellationToken) : null;

        // Recorded before the refs can move, confirmed after: a crash in between loses no push.
        var intents = await pushEvents.RecordIntentsAsync(updates.Select(u => new PushEvent(granted.Project.ProjectId,
            EmbeddedGitBackend.KindName, u.Ref, u.Before, u.After, granted.Caller?.UserId, granted.PusherName)).ToList(), cancellationToken);
        StartStreaming(http, "application/x-git-receive-pack-result");
        var report = new MemoryStream();
        await runner.RunAsync("receive-pack", path, advertiseRefs: false, environment, commands, body, http.Response.Body, report,
            cancellationToken);

        // The refs have moved whether or not the client is still listening. Confirming the events
        // first starts the runs while the storage figures are brought up to date, which happens
        // before the client hears back, so a finished `git push` sees them.
        var sideBand = capabilities.Any(c => c.StartsWith("side-band", StringComparison.Ordinal));
        var accepted = PktLine.ParseReportStatus(report.GetBuffer().AsSpan(0, (int)report.Length), sideBand);
        var confirmed = updates.Select((u, i) => (u, Id: intents[i])).Where(x => accepted.Contains(x.u.Ref)).ToList();
        await pushEvents.ConfirmAsync(intents, confirmed.Select(x => x.Id).ToList(), CancellationToken.None);
        var events = confirmed.Select(x => new PushEvent(granted.Project.ProjectId, EmbeddedGitBackend.KindName, x.u.Ref, x.u.Before,
            x.u.After, granted.Caller?.UserId, granted.PusherName)).ToList();
        metrics.Pushed(events.Count);
        if (events.Count > 0)
        {
            logger.LogInformation("Push to project {ProjectId} by {Pusher} updated {RefCount} refs",
                granted.Project.ProjectId, granted.PusherName, events.Count);
            var size = projects.SetRepositorySizeAsync(granted.Project.ProjectId, RepositoryPaths.SizeOf(path), CancellationToken.None);
            if (refsBefore is not null)
            {
                await CountLfsObjectsAsync(granted.Project.ProjectId, path, events, refsBefore);
            }
            await size;
        }
        await http.Response.CompleteAsync();
        if (events.Count > 0)
        {
            housekeeping.Request(granted.Project.ProjectId);
        }
    }

    /// <summary>
    /// LFS objects arrive before the push that refers to them and count toward storage only once a
    /// ref reaches them: here, for the commits this push brought. A refused push's objects stay
    /// uncounted until housekeeping collects them.
    /// </summary>
    private async Task CountLfsObjectsAsync(long projectId, string path, IReadOnlyList<PushEvent> events, IReadOnlyList<string> refsBefore)
    {
        var tips = events.Select(e => e.After).Where(sha => sha.Any(c => c != '0')).Distinct().ToList();
        try
        {
            var oids = await LfsPointerScan.OidsAsync(path, tips, refsBefore, CancellationToken.None);
            if (oids.Count > 0)
            {
                await lfs.MarkReachableAsync(projectId, oids, CancellationToken.None);
            }
        }
        catch (InvalidOperationException e)
        {
            // The push stands; housekeeping finds what this missed.
            logger.LogWarning(e, "Could not scan the push to project {ProjectId} for LFS pointers", projectId);
        }
    }

    private static async Task<IReadOnlyList<string>> RefTipsAsync(string path, CancellationToken cancellationToken)
    {
        var output = await GitProcess.RunAsync(path, cancellationToken, "for-each-ref", "--format=%(objectname)");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
    }

    private async Task<string> RepositoryAsync(ProjectAccess project, CancellationToken cancellationToken)
    {
        if (project.GitBackend != EmbeddedGitBackend.KindName)
        {
            // Only jobs get here (GitAccessResolver), to fetch from the mirror the server keeps.
            var mirror = backends.For(project.GitBackend).LocalPath(project.ProjectId);
            return Directory.Exists(mirror) ? mirror : throw new GitHttpException(StatusCodes.Status404NotFound,
                $"The mirror of '{project.FullPath}' has not been fetched from {project.GitBackend} yet.");
        }
        // Projects created before Git hosting existed get their repository on first use.
        await embedded.EnsureCreatedAsync(project.ProjectId, project.DefaultBranch, cancellationToken);
        return embedded.LocalPath(project.ProjectId);
    }

    private static Dictionary<string, string> Environment(HttpContext http)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var protocol = http.Request.Headers["Git-Protocol"].ToString();
        if (ProtocolPattern().IsMatch(protocol))
        {
            environment["GIT_PROTOCOL"] = protocol;
        }
        return environment;
    }

    private static Stream RequestBody(HttpContext http)
    {
        var encoding = http.Request.Headers.ContentEncoding.ToString();
        return encoding switch
        {
            "" or "identity" => http.Request.Body,
            "gzip" or "x-gzip" => new GZipStream(http.Request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new GitHttpException(StatusCodes.Status415UnsupportedMediaType, $"Unsupported Content-Encoding '{encoding}'."),
        };
    }

    private static void StartStreaming(HttpContext http, string contentType)
    {
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.ContentType = contentType;
        http.Response.Headers.CacheControl = "no-cache, max-age=0, must-revalidate";
        http.Response.Headers.Pragma = "no-cache";
    }
}
