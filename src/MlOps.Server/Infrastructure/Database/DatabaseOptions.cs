using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Infrastructure.Database;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql connection string; `MLOPS_DATABASE_URL` sets it from the environment.</summary>
    [Required]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply migrations at start-up (on by default; off when an operator migrates by hand).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
