using Npgsql;

namespace MlOps.Server.Infrastructure.Database;

public static class UniqueViolation
{
    /// <summary>
    /// True when <paramref name="exception"/> is a unique-key violation of <paramref name="constraint"/>.
    /// Checking the constraint (rather than looking first) is the only race-free duplicate test.
    /// </summary>
    public static bool Is(Exception exception, string constraint) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } pg && pg.ConstraintName == constraint;
}
