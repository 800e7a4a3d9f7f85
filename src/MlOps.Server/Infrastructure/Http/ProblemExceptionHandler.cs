using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>Maps every exception that escapes an endpoint to an RFC 7807 problem.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, IHostEnvironment environment,
    DatabaseOutage outage, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        // A body cut off at the size limit surfaces wrapped in the JSON binder's own exception.
        if (FindInner<BadHttpRequestException>(exception) is { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge)
        {
            exception = tooLarge;
        }
        var problem = exception switch
        {
            ValidationException v => new HttpValidationProblemDetails(v.Errors.ToDictionary(e => e.Key, e => e.Value))
            {
                Status = v.StatusCode, Title = v.Title, Detail = v.Message,
            },
            ConflictException c => WithField(new ProblemDetails { Status = c.StatusCode, Title = c.Title, Detail = c.Message }, c.Field),
            ApiException a => new ProblemDetails { Status = a.StatusCode, Title = a.Title, Detail = a.Message },
            BadHttpRequestException { InnerException: JsonException json } => MalformedJson(json),
            BadHttpRequestException bad => BindingErrors.Describe(bad),
            // PostgreSQL refuses NUL in text; validators catch control characters first, this is the backstop.
            Npgsql.PostgresException { SqlState: "22021" or "22P05" } => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest, Title = "Invalid request",
                Detail = "A text field contains a character that cannot be stored (such as NUL).",
            },
            _ when DatabaseOutage.Matches(exception) => DatabaseUnavailable(context, exception),
            OperationCanceledException when context.RequestAborted.IsCancellationRequested => null,
            _ => null,
        };

        if (problem is null)
        {
            if (context.RequestAborted.IsCancellationRequested)
            {
                return true;
            }
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Internal Server Error",
                // Exception text can hold connection strings or paths: only developers see it.
                Detail = environment.IsDevelopment() ? exception.ToString() : "An unexpected error occurred.",
            };
        }

        foreach (var (key, value) in (exception as ApiException)?.Extensions ?? [])
        {
            problem.Extensions[key] = value;
        }
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (context.Response.StatusCode == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = TokenChallenge;
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context, ProblemDetails = problem, Exception = exception,
        });
    }

    private ProblemDetails DatabaseUnavailable(HttpContext context, Exception exception)
    {
        outage.Report(exception);
        context.Response.Headers.RetryAfter = ((int)DatabaseOutage.RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return new ProblemDetails
        {
            Status = StatusCodes.Status503ServiceUnavailable, Title = "Database unavailable",
            Detail = "The database is unavailable; try again shortly.",
        };
    }

    public const string TokenChallenge = "Bearer, Basic realm=\"MlOps\"";

    private static T? FindInner<T>(Exception? exception) where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }
        return null;
    }

    private static ProblemDetails MalformedJson(JsonException json)
    {
        // System.Text.Json reports the JSON path of the offending value ("$.visibility"); the
        // client wants the field name it sent.
        var field = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "body" : json.Path.TrimStart('$', '.');
        return new HttpValidationProblemDetails(new Dictionary<string, string[]>
        {
            [field] = [json.LineNumber is { } line
                ? $"Malformed JSON at line {line + 1}, position {json.BytePositionInLine + 1}."
                : "Malformed JSON."],
        })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "Malformed JSON",
            Detail = $"The request body is not valid JSON for this endpoint (at '{field}').",
        };
    }

    private static ProblemDetails WithField(ProblemDetails problem, string field)
    {
        problem.Extensions["field"] = field;
        return problem;
    }
}
