namespace MlOps.Pipelines.Tests;

public class GitLabCiTests
{
    public const string Inline = """
        pipelines:
          etl:
            params:
              greeting: { type: string, default: "it's; rm -rf / `whoami`" }
            env: { LANG: C.UTF-8 }
            steps:
              produce:
                image: alpine:3.20
                run: echo "${{ params.greeting }}" > ${{ outputs.data }}
                outputs: { data: { type: file, path: out/data.txt } }
              consume:
                image: alpine:3.20
                needs: [produce]
                run: |
                  cat ${{ steps.produce.outputs.data }} > ${{ outputs.copy }}
                  echo "consumed: $(cat ${{ steps.produce.outputs.data }})"
                outputs: { copy: { type: file } }
                resources: { gpus: 1, timeout: 90m }
        """;

    [Theory]
    [InlineData("example", Fixtures.Example)]
    [InlineData("inline", Inline)]
    public async Task Lint_GitLabTarget_MatchesGoldenFile(string name, string yaml)
    {
        var result = await Fixtures.Lint(yaml, LintTarget.GitLabCi);

        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var golden = Path.Combine(AppContext.BaseDirectory, "Golden", name + ".gitlab-ci.yml");
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") is { } dir)
            File.WriteAllText(Path.Combine(dir, name + ".gitlab-ci.yml"), result.GitLabCi);
        Assert.Equal(File.ReadAllText(golden), result.GitLabCi);
    }

    [Fact]
    public async Task Lint_GitLabTargetWithTriggers_WritesWorkflowRules()
    {
        var yaml = """
            pipelines:
              etl:
                on:
                  push: { branches: [main, "release/*"], tags: ["v1.*"], paths: ["data/**", "**/*.py"] }
                  merge_request: { branches: [main] }
                  schedule: [{ cron: "0 3 * * 1-5", branch: main }]
                steps: { x: { image: alpine, run: echo } }
            """;

        var result = await Fixtures.Lint(yaml, LintTarget.GitLabCi);

        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var head = string.Join("\n", result.GitLabCi!.Split('\n').Skip(1).TakeWhile(l => l.Length > 0));
        Assert.Equal("""
            # schedule (create it under Build > Pipeline schedules, UTC): '0 3 * * 1-5' on main
            workflow:
              rules:
                - if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH =~ /^(?:main|release\/[^\/]*)$/'
                  changes:
                    - "data/**/*"
                    - "**/*.py"
                - if: '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_TAG =~ /^v1\.[^\/]*$/'
                - if: '$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_TARGET_BRANCH_NAME =~ /^main$/'
                - if: '$CI_PIPELINE_SOURCE == "schedule"'
            """, head);
    }

    [Fact]
    public async Task Lint_GitLabTargetWithRetry_WritesGitLabRetryCappedAtTwo()
    {
        var yaml = """
            pipelines:
              etl:
                steps:
                  fit: { image: alpine, run: echo, retry: { max: 4, when: [script_failure, runner_system_failure] } }
                  again: { image: alpine, run: echo, needs: [fit], retry: 1 }
                  plain: { image: alpine, run: echo, needs: [fit] }
            """;

        var result = await Fixtures.Lint(yaml, LintTarget.GitLabCi);

        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var jobs = result.GitLabCi!.Split("\n\n").Skip(1).ToDictionary(j => j[..j.IndexOf(':')]);
        Assert.Contains("""
              # retry: 4 in mlops.yml; GitLab allows at most 2
              retry:
                max: 2
                when: [script_failure, runner_system_failure]
            """, jobs["fit"]);
        Assert.Contains("  retry:\n    max: 1\n    when: [always]\n", jobs["again"]);
        Assert.DoesNotContain("retry", jobs["plain"]);
    }

    [Fact]
    public async Task Lint_GitLabTargetWithTwoPipelines_AsksToChoose()
    {
        var yaml = "pipelines:\n  a: { steps: { x: { image: i, run: r } } }\n  b: { steps: { y: { image: i, run: r } } }";

        var result = await Fixtures.Lint(yaml, LintTarget.GitLabCi);

        Assert.Equal(["1:1: the gitlab-ci target compiles one pipeline and this file defines 2 | choose one: a, b"],
            result.Errors.Select(e => $"{e.Line}:{e.Column}: {e.Message} | {e.Hint}"));
    }
}
