using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;
using MlOps.Contracts.Runner;
using MlOps.Runner.Network;
using MlOps.Runner.Usage;

namespace MlOps.Runner.Staging;

/// <summary>
/// A job's working directory: prepared before it starts (the repository at the run's commit with
/// its LFS files, other projects' inputs at their ref, the outputs of the jobs it needs, checked
/// against their SHA-256), its outputs collected and uploaded after, removed at the end.
/// </summary>
public sealed class Workspace(GitCli git, ILogger<Workspace> logger)
{
    public async Task StageAsync(JobPayload job, string directory, JobChannel channel, Func<string, ValueTask> say,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var spec = job.Spec;
        var repositoryInputs = spec.Inputs.Where(i => i.Kind == "repository").ToList();
        if (spec.Checkout)
        {
            await say($"Fetching {job.Project} at {job.CommitSha[..Math.Min(12, job.CommitSha.Length)]}");
            await git.CheckoutAsync(job.RepositoryUrl, job.JobToken, job.CommitSha, job.Ref, directory, cancellationToken);
        }
        else if (repositoryInputs.Count > 0)
        {
            var checkout = Path.Combine(directory, ".mlops", "checkout");
            await say($"Fetching {job.Project} at {job.CommitSha[..Math.Min(12, job.CommitSha.Length)]} for its inputs");
            await git.CheckoutAsync(job.RepositoryUrl, job.JobToken, job.CommitSha, job.Ref, checkout, cancellationToken);
            foreach (var input in repositoryInputs)
            {
                Place(Path.Combine(checkout, input.Path ?? ""), Inside(directory, input.StagePath));
            }
            Directory.Delete(checkout, recursive: true);
        }
        foreach (var input in spec.Inputs.Where(i => i.Kind == "project"))
        {
            var checkout = Path.Combine(directory, ".mlops", "projects", input.Name);
            await say($"Fetching input {input.Name}: {input.Project} at {input.Ref}");
            await git.CheckoutAsync(input.RepositoryUrl!, job.JobToken, input.Ref!, input.Ref, checkout, cancellationToken);
            Place(Path.Combine(checkout, input.Path ?? ""), Inside(directory, input.StagePath));
            Directory.Delete(checkout, recursive: true);
        }
        foreach (var dependency in job.Dependencies)
        {
            await say($"Downloading {dependency.Step}.{dependency.Output} ({dependency.SizeBytes} bytes)");
            var temp = Path.Combine(directory, ".mlops", $"download-{dependency.ArtifactId}");
            Directory.CreateDirectory(Path.GetDirectoryName(temp)!);
            await channel.DownloadDependencyAsync(dependency.ArtifactId, temp, cancellationToken);
            var actual = await Sha256Async(temp, cancellationToken);
            if (actual != dependency.Sha256)
            {
                throw new StagingException($"{dependency.Step}.{dependency.Output} arrived damaged (SHA-256 {actual}, expected {dependency.Sha256}).");
            }
            var target = Inside(directory, dependency.StagePath);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (dependency.Format == "tar")
            {
                Directory.CreateDirectory(target);
                await TarFile.ExtractToDirectoryAsync(temp, target, overwriteFiles: true, cancellationToken);
                File.Delete(temp);
            }
            else
            {
                File.Move(temp, target, overwrite: true);
            }
        }
    }

    /// <summary>Uploads each declared output; a missing one is an error. Metrics outputs are also reported as metrics.</summary>
    public async Task<IReadOnlyList<string>> CollectAsync(JobPayload job, string directory, JobChannel channel, UsageMeter usage,
        Func<string, ValueTask> say, CancellationToken cancellationToken)
    {
        var missing = new List<string>();
        foreach (var output in job.Spec.Outputs)
        {
            var path = Inside(directory, output.Path);
            string upload;
            var format = "file";
            if (Directory.Exists(path))
            {
                upload = Path.Combine(directory, ".mlops", $"upload-{output.Name}.tar");
                Directory.CreateDirectory(Path.GetDirectoryName(upload)!);
                await TarFile.CreateFromDirectoryAsync(path, upload, includeBaseDirectory: false, cancellationToken);
                format = "tar";
            }
            else if (File.Exists(path))
            {
                upload = path;
            }
            else
            {
                missing.Add(output.Name);
                continue;
            }
            var size = new FileInfo(upload).Length;
            var sha = await Sha256Async(upload, cancellationToken);
            await say($"Uploading {output.Name} ({size} bytes, sha256 {sha[..12]})");
            await channel.UploadArtifactAsync(output.Name, output.Type, format, upload, sha, cancellationToken);
            usage.Artifact(size);
            if (output.Type == "metrics" && format == "file")
            {
                await ReportMetricsFileAsync(path, channel, say, cancellationToken);
            }
        }
        return missing;
    }

    public void Remove(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A container may leave root-owned files; they go with the next clean-up of the builds folder.
            logger.LogWarning("Could not remove workspace {Directory}: {Error}", directory, e.Message);
        }
    }

    private static async Task ReportMetricsFileAsync(string path, JobChannel channel, Func<string, ValueTask> say, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(await File.ReadAllTextAsync(path, cancellationToken));
            var points = document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number)
                .Select(p => new MetricPoint(p.Name, p.Value.GetDouble())).ToList();
            if (points.Count > 0)
            {
                await channel.ReportMetricsAsync(points, cancellationToken);
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            await say($"The metrics output {Path.GetFileName(path)} is not a JSON object of numbers: {e.Message}");
        }
    }

    // Every path in a spec is relative to the workspace; one that climbs out of it is refused.
    private static string Inside(string root, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var prefix = Path.GetFullPath(root).TrimEnd('/') + "/";
        return full.StartsWith(prefix, StringComparison.Ordinal) || full == prefix.TrimEnd('/')
            ? full : throw new StagingException($"The path '{relative}' leaves the workspace.");
    }

    private static void Place(string source, string target)
    {
        if (Directory.Exists(source))
        {
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
            {
                var to = Path.Combine(target, Path.GetRelativePath(source, file));
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Copy(file, to, overwrite: true);
            }
        }
        else if (File.Exists(source))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Path.GetFullPath(source) != Path.GetFullPath(target))
            {
                File.Copy(source, target, overwrite: true);
            }
        }
        else
        {
            throw new StagingException($"The input path '{source}' does not exist at that commit.");
        }
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
