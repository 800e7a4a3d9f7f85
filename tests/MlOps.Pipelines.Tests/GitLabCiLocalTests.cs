using System.Diagnostics;

namespace MlOps.Pipelines.Tests;

/// <summary>
/// Runs a generated .gitlab-ci.yml with gitlab-ci-local (npm, 4.45.0). Its shell executor is used
/// because this machine has no Docker; 4.45.0 has no flag to ignore image:, so the test drops those
/// lines. Needs git, rsync and gitlab-ci-local on PATH (or GITLAB_CI_LOCAL pointing at it).
/// </summary>
public class GitLabCiLocalTests
{
    [Fact]
    public async Task GeneratedGitLabCi_RunWithGitLabCiLocal_RunsStepsInOrderAndPassesFiles()
    {
        var tool = FindTool();
        var result = await Fixtures.Lint(GitLabCiTests.Inline, LintTarget.GitLabCi);
        Assert.True(result.Valid, string.Join("\n", result.Errors));
        var dir = Directory.CreateTempSubdirectory("mlops-gcl-").FullName;
        try
        {
            var ci = string.Join("\n", result.GitLabCi!.Split('\n').Where(l => !l.StartsWith("  image: ", StringComparison.Ordinal)));
            await File.WriteAllTextAsync(Path.Combine(dir, ".gitlab-ci.yml"), ci);
            Run("git", "init -q", dir);
            Run("git", "remote add origin https://gitlab.example.com/acme/iris.git", dir);
            Run("git", "add -A", dir);
            Run("git", "-c user.email=test@example.com -c user.name=test commit -q -m ci", dir);

            // The pipeline has no on: block, so it runs manually: a "web" pipeline, not the tool's default "push".
            // (4.45.0 does not evaluate workflow: rules, but the jobs see the source a real manual run has.)
            var (code, output) = Run(tool, "--variable CI_PIPELINE_SOURCE=web", dir, allowFailure: true);

            Assert.True(code == 0, output);
            var producedAt = output.IndexOf("produce finished", StringComparison.Ordinal);
            var consumeAt = output.IndexOf("consume starting", StringComparison.Ordinal);
            Assert.True(producedAt >= 0 && consumeAt > producedAt, "produce must finish before consume starts:\n" + output);
            // The value travelled as data: written by step 1, read by step 2, never run by a shell.
            Assert.Contains("consumed: it's; rm -rf / `whoami`", output);
            Assert.Equal("it's; rm -rf / `whoami`\n", await File.ReadAllTextAsync(Path.Combine(dir, ".mlops/consume/copy")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string FindTool()
    {
        if (Environment.GetEnvironmentVariable("GITLAB_CI_LOCAL") is { Length: > 0 } configured) return configured;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
            if (File.Exists(Path.Combine(dir, "gitlab-ci-local"))) return Path.Combine(dir, "gitlab-ci-local");
        Assert.Fail("gitlab-ci-local not found. Install it with 'npm install -g gitlab-ci-local@4.45.0' and 'apt-get install -y rsync git', "
            + "or set GITLAB_CI_LOCAL to its path.");
        return "";
    }

    private static (int Code, string Output) Run(string file, string args, string cwd, bool allowFailure = false)
    {
        var psi = new ProcessStartInfo(file, args) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {args} did not finish within 60 s");
        }
        var output = stdout.Result + stderr.Result;
        if (!allowFailure) Assert.True(p.ExitCode == 0, $"{file} {args} failed: {output}");
        return (p.ExitCode, output);
    }
}
