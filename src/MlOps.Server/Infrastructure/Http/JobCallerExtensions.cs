using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Http;

public static class JobCallerExtensions
{
    /// <summary>The caller must hold the token of job <paramref name="jobId"/> while it runs: 401 without one, 403 for another job's.</summary>
    public static JobScope RequireJob(this HttpContext context, long jobId)
    {
        var job = context.Caller()?.Job ?? throw new UnauthorizedException($"Send the job's token in the {JobTokens.Header} header.");
        return job.JobId == jobId ? job : throw new ForbiddenException($"This job token belongs to another job, not to job {jobId}.");
    }
}
