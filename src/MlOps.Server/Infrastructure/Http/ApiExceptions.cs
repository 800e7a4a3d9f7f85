namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// Domain errors that handlers throw; <see cref="ProblemExceptionHandler"/> is the one place that
/// turns them into RFC 7807 problems with the right status code.
/// </summary>
public abstract class ApiException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
    public abstract int StatusCode { get; }

    /// <summary>Extra members of the problem document (e.g. a definition's errors with line and column).</summary>
    public Dictionary<string, object?> Extensions { get; } = new(StringComparer.Ordinal);
}

public sealed class NotFoundException(string detail) : ApiException("Not Found", detail)
{
    public override int StatusCode => StatusCodes.Status404NotFound;
}

public sealed class ForbiddenException(string detail) : ApiException("Forbidden", detail)
{
    public override int StatusCode => StatusCodes.Status403Forbidden;
}

public sealed class UnauthorizedException(string detail) : ApiException("Unauthorized", detail)
{
    public override int StatusCode => StatusCodes.Status401Unauthorized;
}

public sealed class ConflictException(string field, string detail) : ApiException("Conflict", detail)
{
    public string Field { get; } = field;
    public override int StatusCode => StatusCodes.Status409Conflict;
}

/// <summary>Bad input: one or more fields, each with what was wrong with it.</summary>
public sealed class ValidationException(IReadOnlyDictionary<string, string[]> errors)
    : ApiException("Invalid request", "One or more fields are invalid: " + string.Join(", ", errors.Keys) + ".")
{
    public ValidationException(string field, string message)
        : this(new Dictionary<string, string[]> { [field] = [message] })
    {
    }

    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
    public override int StatusCode => StatusCodes.Status400BadRequest;
}
