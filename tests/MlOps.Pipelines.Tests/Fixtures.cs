using MlOps.Pipelines.Compilation;
using MlOps.Pipelines.Resolution;

namespace MlOps.Pipelines.Tests;

internal static class Fixtures
{
    public const string CleanManifest = """
        name: csv-clean
        kind: data-operation
        description: Drop rows with missing values.
        image: registry.example.com/community/csv-clean:1.2.0
        command: [python3, /op/clean.py, "{{inputs.table}}", "{{outputs.table}}"]
        inputs: { table: { type: table } }
        outputs: { table: { type: table } }
        """;

    public const string TrainManifest = """
        name: sklearn-train
        kind: algorithm
        description: Train a scikit-learn classifier on a CSV table.
        image: registry.example.com/community/sklearn-train:2.0.1
        command: [python3, /op/train.py, --table, "{{inputs.table}}", --out, "{{outputs.model}}",
                  --model, "{{params.model}}", --max-iter, "{{params.max_iter}}", "{{params.features}}"]
        inputs:  { table: { type: table } }
        outputs: { model: { type: model }, metrics: { type: metrics } }
        params:
          model:    { type: enum, values: [logistic, forest], default: logistic }
          max_iter: { type: int, default: 200, min: 1, max: 10000 }
          features: { type: list, items: string, default: [] }
        resources: { gpus: 0, memory: 2Gi }
        tags: [trainable, tabular]
        license: MIT
        """;

    public const string CleanSha = "1111111111111111111111111111111111111111";
    public const string TrainSha = "2222222222222222222222222222222222222222";

    public static InMemoryOperationResolver Resolver() => new InMemoryOperationResolver()
        .Add("community", "1.2.0", CleanSha, "registry.example.com/community/csv-clean@sha256:aaaa", CleanManifest)
        .Add("community", "1.3.0", CleanSha, "registry.example.com/community/csv-clean@sha256:bbbb", CleanManifest)
        .Add("community", "2.0.1", TrainSha, "registry.example.com/community/sklearn-train@sha256:cccc", TrainManifest);

    public static CompileContext Context(string? pipeline = null) => new()
    {
        Project = "acme/vision/iris",
        CommitSha = "abcdefabcdefabcdefabcdefabcdefabcdefabcd",
        Ref = "refs/heads/main",
        Pipeline = pipeline,
    };

    public const string Example = """
        pipelines:
          train:
            on:
              push: { branches: [main], paths: ["data/**", "mlops.yml"] }
              manual: true
            params:
              iterations: { type: int, default: 500, min: 1 }
            steps:
              clean:
                uses: community/csv-clean@1.2.0
                inputs: { table: data/iris.csv }
              fit:
                uses: community/sklearn-train@2.0.1
                needs: [clean]
                inputs: { table: "${{ steps.clean.outputs.table }}" }
                params: { model: forest, max_iter: "${{ params.iterations }}", features: [sepal, petal] }
                resources: { gpus: 1, cpus: 4, memory: 16Gi, timeout: 2h }
              report:
                image: python:3.12-slim
                needs: [fit]
                run: python3 report.py "${{ steps.fit.outputs.metrics }}" > ${{ outputs.html }}
                outputs: { html: { type: artifact, path: out/report.html } }
        """;

    public static Task<LintResult> Lint(string yaml, LintTarget target = LintTarget.Jobs, CompileContext? context = null) =>
        PipelineLinter.LintAsync(yaml, LintFileKind.Pipeline, target, context ?? Context(), Resolver()).AsTask();
}
