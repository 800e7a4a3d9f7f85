namespace MlOps.Pipelines.Model;

/// <summary>Where a step input comes from.</summary>
public abstract record InputSource(int Line, int Column);

/// <summary>A file or folder of this project's repository at the commit being run.</summary>
public sealed record RepositoryInput(string Path, int Line, int Column) : InputSource(Line, Column);

/// <summary>Another project's repository (typically a dataset project) at a ref.</summary>
public sealed record ProjectInput(string Project, string Ref, string Path, int Line, int Column) : InputSource(Line, Column);

/// <summary>An output of an earlier step: <c>${{ steps.x.outputs.y }}</c>.</summary>
public sealed record StepOutputInput(string Step, string Output, int Line, int Column) : InputSource(Line, Column);

/// <summary>
/// An output of a job of an earlier run, e.g. a trained model: <c>{ run: 123, job: fit, output: model }</c>.
/// The library cannot see runs; the server checks that the run is visible to whoever starts the new
/// one and that the job succeeded with that output.
/// </summary>
public sealed record RunOutputInput(long Run, string Job, string Output, int Line, int Column) : InputSource(Line, Column);
