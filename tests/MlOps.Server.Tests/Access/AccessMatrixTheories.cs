namespace MlOps.Server.Tests.Access;

/// <summary>A matrix's rows: one <see cref="AccessCase"/> per endpoint.</summary>
public interface IAccessRows
{
    static abstract IReadOnlyDictionary<string, AccessCase> Cases { get; }
}

/// <summary>
/// The two theories every matrix runs over its rows: each caller gets the exact status, and a
/// caller who may not see the private project gets what a nonexistent one gets.
/// </summary>
public abstract class AccessMatrixTheories<TRows>(AccessFixture fixture) : IClassFixture<AccessFixture>
    where TRows : IAccessRows
{
    protected AccessFixture Fixture { get; } = fixture;

    public static TheoryData<string, string, Role> Matrix() => AccessMatrix.Rows(TRows.Cases);

    public static TheoryData<string, Role> Hidden() => AccessMatrix.HiddenRows(TRows.Cases);

    [Theory]
    [MemberData(nameof(Matrix))]
    public Task Endpoint_Caller_AnswersExactStatus(string endpoint, string visibility, Role role) =>
        AccessMatrix.AssertStatusAsync(Fixture, endpoint, TRows.Cases[endpoint], visibility, role);

    [Theory]
    [MemberData(nameof(Hidden))]
    public Task Endpoint_CallerWhoCannotSeeThePrivateProject_AnswersAsForANonexistentOne(string endpoint, Role role) =>
        AccessMatrix.AssertLooksAbsentAsync(Fixture, TRows.Cases[endpoint], role);
}
