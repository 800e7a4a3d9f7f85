// Parse + validate + compile a generated 1,000-step pipeline; prints median/p95/min time, allocation
// per run, peak working set, and the same figures per phase.
// Run: dotnet run -c Release --project bench/MlOps.Bench.Pipelines
using System.Diagnostics;
using MlOps.Bench.Pipelines;
using MlOps.Pipelines;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Diagnostics;
using MlOps.Pipelines.Parsing;
using MlOps.Pipelines.Resolution;
using MlOps.Pipelines.Validation;
using MlOps.Pipelines.Yaml;

const int Steps = 1000;
const int Warmup = 50;
const int Iterations = 200;
const int PhaseIterations = 100;

var resolver = new InMemoryOperationResolver().Add("community", "2.0.1", new string('2', 40), "registry.example.com/train@sha256:cc", BenchPipeline.TrainManifest);
var yaml = BenchPipeline.Generate(Steps);
var context = new CompileContext { Project = "acme/bench/big", CommitSha = new string('a', 40) };

// The resolver completes synchronously, so the lint runs on this thread and its allocations are counted.
LintResult Lint(LintTarget target) => PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, target, context, resolver).AsTask().GetAwaiter().GetResult();

var first = Lint(LintTarget.Jobs);
if (!first.Valid) throw new InvalidOperationException(string.Join("\n", first.Errors.Take(5)));
Console.WriteLine($"pipeline: {Steps} steps, {yaml.Length / 1024} KiB of YAML, {first.Jobs[0].Jobs.Count} jobs, {Environment.ProcessorCount} cores");

// Enough runs for tiered JIT to promote the hot methods to optimised code before anything is timed.
for (var i = 0; i < Warmup; i++) { Lint(LintTarget.Jobs); Lint(LintTarget.GitLabCi); }
Thread.Sleep(200);

var total = new Measure("parse+validate+compile");
GC.Collect();
for (var i = 0; i < Iterations; i++) total.Run(() => Lint(LintTarget.Jobs));
var gitlab = new Measure("gitlab-ci target");
for (var i = 0; i < PhaseIterations; i++) gitlab.Run(() => Lint(LintTarget.GitLabCi));

// Phases as the facade runs them, each timed on its own.
var read = new Measure("  read YAML");
var parse = new Measure("  parse");
var validate = new Measure("  validate");
var compile = new Measure("  compile");
for (var i = 0; i < PhaseIterations; i++)
{
    var errors = new ErrorSink("mlops.yml");
    var root = read.Run(() => YamlTreeReader.Read(yaml, errors))!;
    var file = parse.Run(() => PipelineParser.Read(root, errors, YamlLimits.Default))!;
    var pipelines = validate.Run(() =>
    {
        var ops = PipelineValidator.ResolveAllAsync(file, resolver, default).AsTask().GetAwaiter().GetResult();
        return PipelineValidator.Validate(file, ops, context, errors);
    });
    compile.Run(() => PipelineCompiler.Compile(pipelines[0], context));
    if (errors.HasErrors) throw new InvalidOperationException(string.Join("\n", errors.Errors.Take(5)));
}

foreach (var m in new[] { total, read, parse, validate, compile, gitlab }) Console.WriteLine(m.Summary());
Console.WriteLine($"peak working set of the process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F1} MiB");
Console.WriteLine($"gen0/1/2 collections: {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}");
