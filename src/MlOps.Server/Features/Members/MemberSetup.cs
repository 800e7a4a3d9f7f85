namespace MlOps.Server.Features.Members;

public static class MemberSetup
{
    /// <summary>Stateless: it holds only singletons (the membership tables belong to the gate, in AccessControl).</summary>
    public static IServiceCollection AddMembers(this IServiceCollection services) => services.AddSingleton<MemberHandler>();
}
