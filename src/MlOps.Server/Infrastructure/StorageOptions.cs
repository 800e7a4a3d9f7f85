using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Infrastructure;

/// <summary>Where the server keeps files: repositories, LFS objects, artifacts, logs.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>`MLOPS_DATA_DIR`; the embedded default is `.data/` in the checkout.</summary>
    [Required]
    public string DataDir { get; set; } = ".data";

    public string FullDataDir => Path.GetFullPath(DataDir);

    /// <summary>How long an upload temporary (LFS upload, push quarantine) may sit untouched before housekeeping removes it.</summary>
    public TimeSpan UploadTemporaryGrace { get; set; } = TimeSpan.FromHours(6);
}
