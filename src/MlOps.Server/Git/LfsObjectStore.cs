using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using MlOps.Server.Infrastructure;

namespace MlOps.Server.Git;

/// <summary>
/// Content-addressed LFS objects on disk at `lfs/objects/ab/cd/&lt;oid&gt;`. An upload is written
/// to `lfs/tmp/`, hashed while it streams, and renamed into place only when its SHA-256 and size
/// are right, so a failed or lying upload leaves nothing behind.
/// </summary>
public sealed partial class LfsObjectStore(IOptions<StorageOptions> storage)
{
    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex OidPattern();

    /// <summary>Only 64 lowercase hex digits: the only form that ever becomes part of a path.</summary>
    public static bool IsValidOid(string? oid) => oid is not null && OidPattern().IsMatch(oid);

    private string Root => Path.Combine(storage.Value.FullDataDir, "lfs");

    public string PathOf(string oid)
    {
        if (!IsValidOid(oid))
        {
            throw new ArgumentException("Not an LFS oid.", nameof(oid));
        }
        return Path.Combine(Root, "objects", oid[..2], oid[2..4], oid);
    }

    public bool Exists(string oid) => File.Exists(PathOf(oid));

    /// <summary>Removes an object no project links any more (housekeeping).</summary>
    public void Delete(string oid)
    {
        var path = PathOf(oid);
        if (File.Exists(path))
        {
            File.Delete(path);
        }
    }

    /// <summary>Stores the bytes of <paramref name="input"/> as <paramref name="oid"/>; returns their size.</summary>
    public async Task<long> WriteAsync(string oid, Stream input, long? expectedSize, long maxBytes, CancellationToken cancellationToken)
    {
        var final = PathOf(oid);
        var tempDirectory = Path.Combine(Root, "tmp");
        Directory.CreateDirectory(tempDirectory);
        var temp = Path.Combine(tempDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            long size = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16,
                             FileOptions.Asynchronous))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        throw new GitHttpException(StatusCodes.Status413PayloadTooLarge,
                            $"The object is larger than the limit of {maxBytes} bytes.");
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                await file.FlushAsync(cancellationToken);
            }
            if (expectedSize is { } expected && expected != size)
            {
                throw new GitHttpException(StatusCodes.Status422UnprocessableEntity,
                    $"The upload has {size} bytes but {expected} were announced.");
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != oid)
            {
                throw new GitHttpException(StatusCodes.Status422UnprocessableEntity,
                    $"The uploaded bytes have SHA-256 {actual}, not the oid {oid}.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            // Same bytes either way when it already exists (an identical upload raced this one).
            File.Move(temp, final, overwrite: true);
            return size;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
