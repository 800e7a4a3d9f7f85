using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Server.Infrastructure.Auth;

namespace MlOps.Server.Infrastructure.Http;

/// <summary>How every endpoint speaks HTTP: JSON in snake_case, RFC 7807 problems, token authentication, body limits.</summary>
public static class HttpSetup
{
    public static IServiceCollection AddHttpApi(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions["trace_id"] = context.HttpContext.TraceIdentifier);
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        });
        services.AddOptions<HttpLimitsOptions>().BindConfiguration(HttpLimitsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(
                TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        return services;
    }

    /// <summary>The middleware every request passes, in order: problems, text and media-type checks, who is calling, what their token may do, body size.</summary>
    public static WebApplication UseHttpApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<RequestTextGuardMiddleware>();
        app.UseMiddleware<UnsupportedMediaTypeMiddleware>();
        app.UseAuthentication();
        app.UseMiddleware<RejectFailedCredentialsMiddleware>();
        app.UseMiddleware<ApiScopeMiddleware>();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseAuthorization();
        return app;
    }
}
