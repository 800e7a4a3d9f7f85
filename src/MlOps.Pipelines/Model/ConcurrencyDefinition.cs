namespace MlOps.Pipelines.Model;

/// <summary>
/// A pipeline's <c>concurrency:</c> key. A newer run of a group supersedes the older runs of the
/// same group in the project: their jobs that have not started are canceled, and running ones are
/// asked to stop when <see cref="CancelRunning"/> is set. <see cref="Group"/> is the template as
/// written (placeholders resolved at compile time); null keeps the default group, pipeline and ref.
/// </summary>
public sealed record ConcurrencyDefinition(string? Group, bool CancelRunning, int Line, int Column)
{
    public const string DefaultGroup = "${{ pipeline }}@${{ ref }}";
}
