namespace MlOps.Server.Infrastructure;

/// <summary>
/// The short `MLOPS_*` variables that the README documents, mapped onto the options sections.
/// Anything else can be set the usual ASP.NET Core way (`Database__ConnectionString`, …).
/// </summary>
public static class EnvironmentConfiguration
{
    private static readonly (string Variable, string Key)[] Map =
    [
        ("MLOPS_DATABASE_URL", "Database:ConnectionString"),
        ("MLOPS_ADMIN_TOKEN", "Bootstrap:AdminToken"),
        ("MLOPS_DATA_DIR", "Storage:DataDir"),
        ("MLOPS_EXTERNAL_URL", "Server:ExternalUrl"),
        ("MLOPS_RUNNER_REGISTRATION_TOKEN", "Runners:RegistrationToken"),
        ("MLOPS_SECRET_KEY", "Secrets:MasterKey"),
        ("MLOPS_OUTBOUND_ALLOWED_HOSTS", "Outbound:AllowedHosts"),
        ("MLOPS_OUTBOUND_ALLOW_LOCAL_NETWORK", "Outbound:AllowLocalNetwork"),
    ];

    public static IConfigurationBuilder AddMlOpsEnvironment(this IConfigurationBuilder configuration)
    {
        var values = Map
            .Select(m => (m.Key, Value: Environment.GetEnvironmentVariable(m.Variable)))
            .Where(m => !string.IsNullOrEmpty(m.Value))
            .ToDictionary(m => m.Key, m => m.Value);
        return configuration.AddInMemoryCollection(values);
    }
}
