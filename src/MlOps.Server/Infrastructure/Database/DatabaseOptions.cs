using System.ComponentModel.DataAnnotations;

namespace MlOps.Server.Infrastructure.Database;

public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql connection string; `MLOPS_DATABASE_URL` sets it from the environment.</summary>
    [Required(ErrorMessage = "MLOPS_DATABASE_URL (Database:ConnectionString) is not set: an Npgsql connection string, "
        + "e.g. Host=db;Username=mlops;Password=…;Database=mlops")]
    public string ConnectionString { get; set; } = "";

    /// <summary>Apply migrations at start-up (on by default; off when an operator migrates by hand).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
