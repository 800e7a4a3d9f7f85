// Parse + validate + compile a generated 1,000-step pipeline; prints median/p95 time and memory.
// Run: dotnet run -c Release --project bench/MlOps.Bench.Pipelines
using System.Diagnostics;
using System.Text;
using MlOps.Pipelines;
using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Resolution;

const int Steps = 1000;
const int Iterations = 200;

var resolver = new InMemoryOperationResolver().Add("community", "2.0.1", new string('2', 40), "registry.example.com/train@sha256:cc", """
    name: train
    kind: algorithm
    image: registry.example.com/train:2.0.1
    command: [python3, /op/train.py, "{{inputs.table}}", "{{outputs.model}}", --max-iter, "{{params.max_iter}}"]
    inputs: { table: { type: table } }
    outputs: { model: { type: model }, metrics: { type: metrics } }
    params: { max_iter: { type: int, default: 200, min: 1 } }
    """);
var yaml = Generate(Steps);
var context = new CompileContext { Project = "acme/bench/big", CommitSha = new string('a', 40) };

var first = await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, context, resolver);
if (!first.Valid) throw new InvalidOperationException(string.Join("\n", first.Errors.Take(5)));
Console.WriteLine($"pipeline: {Steps} steps, {yaml.Length / 1024} KiB of YAML, {first.Jobs[0].Jobs.Count} jobs");

for (var i = 0; i < 20; i++) await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, context, resolver);

var times = new List<double>(Iterations);
GC.Collect();
var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
for (var i = 0; i < Iterations; i++)
{
    var sw = Stopwatch.StartNew();
    await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.Jobs, context, resolver);
    times.Add(sw.Elapsed.TotalMilliseconds);
}
var allocatedPerRun = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / Iterations;
times.Sort();

var gitlab = Stopwatch.StartNew();
await PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, LintTarget.GitLabCi, context, resolver);
var gitlabMs = gitlab.Elapsed.TotalMilliseconds;

Console.WriteLine($"parse+validate+compile: median {times[Iterations / 2]:F2} ms, p95 {times[(int)(Iterations * 0.95)]:F2} ms, min {times[0]:F2} ms ({Iterations} runs)");
Console.WriteLine($"gitlab-ci target (one run): {gitlabMs:F2} ms");
var parseOnly = new List<double>();
for (var i = 0; i < 50; i++)
{
    var sw = Stopwatch.StartNew();
    MlOps.Pipelines.Yaml.YamlTreeReader.Read(yaml, new MlOps.Pipelines.Diagnostics.ErrorSink("mlops.yml"));
    parseOnly.Add(sw.Elapsed.TotalMilliseconds);
}
parseOnly.Sort();
Console.WriteLine($"of which YAML reading alone: median {parseOnly[25]:F2} ms");
Console.WriteLine($"allocated per run: {allocatedPerRun / 1024.0 / 1024.0:F1} MiB");
Console.WriteLine($"peak working set of the process: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F1} MiB");

// A chain with fan-in: every step needs the previous one and reads an earlier step's output, half are inline.
static string Generate(int steps)
{
    var sb = new StringBuilder("pipelines:\n  big:\n    on: { push: { branches: [main], paths: ['data/**'] }, manual: true }\n");
    sb.Append("    params: { iters: { type: int, default: 300, min: 1 } }\n    steps:\n");
    for (var i = 0; i < steps; i++)
    {
        sb.Append($"      s{i}:\n");
        if (i % 2 == 0)
        {
            sb.Append("        uses: community/train@2.0.1\n");
            sb.Append(i == 0 ? "        inputs: { table: data/iris.csv }\n" : $"        inputs: {{ table: \"${{{{ steps.s{i - 1}.outputs.out }}}}\" }}\n");
            sb.Append("        params: { max_iter: \"${{ params.iters }}\" }\n        resources: { gpus: 1, memory: 4Gi, timeout: 30m }\n");
        }
        else
        {
            sb.Append("        image: python:3.12-slim\n");
            sb.Append($"        needs: [s{i - 1}]\n");
            sb.Append($"        run: python3 eval.py ${{{{ steps.s{i - 1}.outputs.model }}}} > ${{{{ outputs.out }}}}\n");
            sb.Append("        outputs: { out: { type: metrics } }\n        env: { MODE: fast }\n");
        }
    }
    return sb.ToString();
}
