namespace MlOps.Server.Features.Members;

public static class MemberSetup
{
    public static IServiceCollection AddMembers(this IServiceCollection services)
    {
        services.AddSingleton<MemberRepository>();
        services.AddSingleton<MemberHandler>();
        return services;
    }
}
