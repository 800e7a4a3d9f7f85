using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>
/// The minimal-API binder's errors ("Failed to bind parameter \"Nullable&lt;int&gt; per_page\"…",
/// "Implicit body inferred…") name .NET types and binder internals; clients get the same facts in
/// the API's own words: which field, and what it must be.
/// </summary>
public static partial class BindingErrors
{
    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided from (?<source>[a-z ]+)\\.", RegexOptions.Singleline)]
    private static partial Regex Required();

    public static ProblemDetails Describe(BadHttpRequestException bad)
    {
        var message = bad.Message;
        if (bad.StatusCode == StatusCodes.Status415UnsupportedMediaType || message.StartsWith("Expected a supported JSON media type", StringComparison.Ordinal))
        {
            return UnsupportedMediaType();
        }
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // Our own limit's message (RequestSizeLimitMiddleware) or Kestrel's: both name only the limit.
            return new ProblemDetails { Status = StatusCodes.Status413PayloadTooLarge, Title = "Payload Too Large", Detail = message };
        }
        if (FailedToBind().Match(message) is { Success: true } bind)
        {
            var name = bind.Groups["name"].Value;
            return Invalid(name, $"{name} must be {Expected(bind.Groups["type"].Value)}.");
        }
        if (Required().Match(message) is { Success: true } required)
        {
            return required.Groups["source"].Value == "body"
                ? Invalid("body", "The request needs a JSON body.")
                : Invalid(required.Groups["name"].Value, $"{required.Groups["name"].Value} is required.");
        }
        if (message.StartsWith("Implicit body inferred", StringComparison.Ordinal) || message.Contains("request body", StringComparison.Ordinal))
        {
            return Invalid("body", "The request needs a JSON body.");
        }
        return new ProblemDetails { Status = bad.StatusCode, Title = "Bad Request", Detail = "The request could not be read." };
    }

    public static ProblemDetails UnsupportedMediaType()
    {
        var unsupported = new UnsupportedMediaTypeException();
        return new ProblemDetails { Status = unsupported.StatusCode, Title = unsupported.Title, Detail = unsupported.Message };
    }

    /// <summary>Where a JSON body went wrong, without the .NET type it was being read into.</summary>
    public static string Describe(JsonException json)
    {
        var at = string.IsNullOrEmpty(json.Path) || json.Path == "$" ? "" : $" at '{json.Path.TrimStart('$', '.')}'";
        return json.LineNumber is { } line ? $"malformed JSON{at} (line {line + 1}, position {json.BytePositionInLine + 1})" : $"malformed JSON{at}";
    }

    private static HttpValidationProblemDetails Invalid(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = StatusCodes.Status400BadRequest, Title = "Invalid request", Detail = $"One or more fields are invalid: {field}.",
        };

    private static string Expected(string type)
    {
        var bare = type.StartsWith("Nullable<", StringComparison.Ordinal) ? type[9..^1] : type;
        return bare switch
        {
            "int" or "long" or "short" or "Int32" or "Int64" or "uint" or "ulong" => "a whole number",
            "double" or "decimal" or "float" => "a number",
            "bool" or "Boolean" => "true or false",
            "DateTime" or "DateTimeOffset" => "a date and time (ISO 8601)",
            "DateOnly" => "a date (YYYY-MM-DD)",
            "Guid" => "a UUID",
            _ => "a valid value",
        };
    }
}
