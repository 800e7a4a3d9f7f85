using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.JobOutputs;

public sealed class ArtifactRow
{
    public long Id { get; init; }
    public long JobId { get; init; }
    public string Name { get; init; } = "";
    public string Type { get; init; } = "";
    public string Format { get; init; } = "file";
    public long SizeBytes { get; init; }
    public string Sha256 { get; init; } = "";
    public DateTime CreatedAt { get; init; }
}

/// <summary>
/// Job artifacts: blobs on disk named by their SHA-256 (so identical outputs are stored once), a
/// job_artifacts row per (job, output). An upload is hashed as it streams to a temporary file and
/// kept only if the hash is the one the runner announced.
/// </summary>
public sealed class ArtifactStore(NpgsqlDataSource dataSource, IOptions<StorageOptions> storage)
{
    /// <summary>Largest single artifact.</summary>
    public const long MaxArtifactBytes = 20L * 1024 * 1024 * 1024;

    private string Root => Path.Combine(storage.Value.FullDataDir, "artifacts");

    public string PathOf(string sha256) => Path.Combine(Root, sha256[..2], sha256);

    public async Task<ArtifactRow> SaveAsync(long jobId, string name, string type, string format, string expectedSha256, Stream body,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(Root, "tmp"));
        var temp = Path.Combine(Root, "tmp", Guid.NewGuid().ToString("N"));
        try
        {
            long size;
            string actual;
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 128 * 1024, useAsync: true))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[128 * 1024];
                int n;
                while ((n = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    hash.AppendData(buffer, 0, n);
                    await file.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
                }
                size = file.Length;
                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }
            if (actual != expectedSha256)
            {
                throw new ValidationException("sha256", $"The body's SHA-256 is {actual}, not {expectedSha256}: the upload was damaged; send it again.");
            }
            var final = PathOf(actual);
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            File.Move(temp, final, overwrite: true);

            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            return await connection.QuerySingleAsync<ArtifactRow>(new CommandDefinition(
                """
                INSERT INTO job_artifacts (job_id, project_id, client_id, name, type, format, size_bytes, sha256)
                SELECT id, project_id, client_id, @name, @type, @format, @size, @actual FROM jobs WHERE id = @jobId
                ON CONFLICT (job_id, name) DO UPDATE SET type = EXCLUDED.type, format = EXCLUDED.format,
                    size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256, created_at = now()
                RETURNING id, job_id, name, type, format, size_bytes, sha256, created_at
                """, new { jobId, name, type, format, size, actual }, cancellationToken: cancellationToken));
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<IReadOnlyList<ArtifactRow>> ListAsync(long jobId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ArtifactRow>(new CommandDefinition(
            "SELECT id, job_id, name, type, format, size_bytes, sha256, created_at FROM job_artifacts WHERE job_id = @jobId ORDER BY name",
            new { jobId }, cancellationToken: cancellationToken))).AsList();
    }

    /// <summary>An artifact that job <paramref name="jobId"/> may download: one of a job it needs (or of the job a cached one reuses).</summary>
    public async Task<ArtifactRow?> FindDependencyAsync(long jobId, long artifactId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<ArtifactRow>(new CommandDefinition(
            """
            SELECT a.id, a.job_id, a.name, a.type, a.format, a.size_bytes, a.sha256, a.created_at
            FROM jobs me
            JOIN jobs d ON d.run_id = me.run_id AND d.name = ANY (me.needs)
            JOIN job_artifacts a ON a.job_id = CASE WHEN d.status = 'cached' THEN d.cached_from ELSE d.id END
            WHERE me.id = @jobId AND a.id = @artifactId
            """, new { jobId, artifactId }, cancellationToken: cancellationToken));
    }
}
