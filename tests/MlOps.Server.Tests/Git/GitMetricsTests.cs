using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace MlOps.Server.Tests.Git;

/// <summary>
/// The meters of every server in one process share their names, so a scrape could mix in figures
/// of other test servers; this collection runs alone, after the parallel ones, with one server.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>/metrics carries the server's own figures: pushes, Git bytes received, LFS bytes stored, requests by route.</summary>
[Collection(nameof(MetricsCollection))]
public sealed class GitMetricsTests(GitServer server) : IClassFixture<GitServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private async Task<string> ScrapeAsync()
    {
        using var admin = server.Admin();
        var response = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The value of the sample whose name and labels start as given; 0 when absent.</summary>
    private static double Sample(string metrics, string name, string labels = "")
    {
        var line = metrics.Split('\n').FirstOrDefault(l => Regex.IsMatch(l, $"^{Regex.Escape(name)}\\{{[^}}]*{Regex.Escape(labels)}[^}}]*\\}} "));
        return line is null ? 0 : double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Metrics_AfterPushes_CountPushesBytesAndLfsObjects()
    {
        var repo = await server.ArrangeAsync();
        var work = await git.InitAsync("work");
        await git.OkAsync(work, "lfs", "track", "*.bin");
        await File.WriteAllBytesAsync(Path.Combine(git.PathOf(work), "model.bin"), RandomNumberGenerator.GetBytes(123_457));
        await git.OkAsync(work, "add", ".");
        await git.OkAsync(work, "commit", "-q", "-m", "model");
        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Maintainer), "main");
        var before = await ScrapeAsync();
        await git.CommitAsync(work, "n.txt", "2", "second");

        await git.OkAsync(work, "push", "-q", server.Url(repo, GitServer.Developer), "main:topic");
        var refused = await git.RunAsync(work, "push", "-q", "--force", server.Url(repo, GitServer.Developer), "HEAD~2:main");
        var after = await ScrapeAsync();

        Assert.NotEqual(0, refused.ExitCode);
        Assert.True(Sample(before, "mlops_git_pushes_total", "outcome=\"accepted\"") >= 1);
        Assert.True(Sample(after, "mlops_git_pushes_total", "outcome=\"accepted\"")
                    >= Sample(before, "mlops_git_pushes_total", "outcome=\"accepted\"") + 1);
        Assert.True(Sample(after, "mlops_git_pushes_total", "outcome=\"refused\"") >= 1);
        Assert.True(Sample(after, "mlops_git_received_bytes_total") > Sample(before, "mlops_git_received_bytes_total"));
        Assert.True(Sample(before, "mlops_lfs_stored_bytes_total") >= 123_457);
        Assert.True(Sample(before, "mlops_lfs_objects_stored_total") >= 1);
        Assert.True(Sample(after, "http_server_request_duration_seconds_count",
            "http_response_status_code=\"201\",http_route=\"/api/v1/projects/\"") >= 1);
    }
}
