using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Features.Lfs;

public sealed class LfsOptions
{
    public const string Section = "Lfs";

    /// <summary>The largest single LFS object accepted (`Lfs:MaxObjectBytes`); 10 GiB by default.</summary>
    [Range(1, long.MaxValue)]
    public long MaxObjectBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>How long the hrefs handed out by the batch API are meant to be used for.</summary>
    [Range(60, 7 * 24 * 3600)]
    public int ActionExpiresInSeconds { get; set; } = 3600;
}
