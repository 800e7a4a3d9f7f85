using System.Text;

namespace MlOps.Bench.Pipelines;

/// <summary>The workload: one operation in the catalog and a generated pipeline that uses it.</summary>
internal static class BenchPipeline
{
    public const string TrainManifest = """
        name: train
        kind: algorithm
        image: registry.example.com/train:2.0.1
        command: [python3, /op/train.py, "{{inputs.table}}", "{{outputs.model}}", --max-iter, "{{params.max_iter}}"]
        inputs: { table: { type: table } }
        outputs: { model: { type: model }, metrics: { type: metrics } }
        params: { max_iter: { type: int, default: 200, min: 1 } }
        """;

    // A chain with fan-in: every step needs the previous one and reads an earlier step's output, half are inline.
    public static string Generate(int steps)
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
}
