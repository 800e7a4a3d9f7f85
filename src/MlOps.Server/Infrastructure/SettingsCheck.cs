using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure;

public static partial class SettingsCheck
{
    /// <summary>
    /// Runs the server after checking every option registered with ValidateOnStart. A bad setting
    /// ends the process with exit code 1 and one line per problem on standard error (each names
    /// the variable and how to make a good value), rather than the host's stack trace.
    /// </summary>
    public static int RunCheckingSettings(this WebApplication app)
    {
        try
        {
            app.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception e) when (Failures(e) is { Count: > 0 } failures)
        {
            foreach (var failure in failures)
            {
                Console.Error.WriteLine($"mlops: cannot start: {failure}");
            }
            return 1;
        }
        app.Run();
        return 0;
    }

    // Several invalid options arrive as an AggregateException of OptionsValidationExceptions.
    private static List<string> Failures(Exception e) => e switch
    {
        OptionsValidationException o => o.Failures.Select(Unwrap).ToList(),
        AggregateException a => a.InnerExceptions.SelectMany(Failures).ToList(),
        _ => [],
    };

    // Data annotations wrap each message in "DataAnnotation validation failed for 'X' members: 'Y'
    // with the error: '…'."; our messages name the variable already, so only the message is kept.
    private static string Unwrap(string failure) =>
        DataAnnotationFailure().Match(failure) is { Success: true } m ? m.Groups["message"].Value : failure;

    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '[^']*' with the error: '(?<message>.*)'\\.$")]
    private static partial Regex DataAnnotationFailure();
}
