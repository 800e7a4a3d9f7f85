using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Tokens;

public static class TokenEndpoints
{
    public static RouteGroupBuilder MapTokenEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/users/{username}/tokens").WithTags("Tokens");

        group.MapPost("", async Task<Created<CreatedTokenResponse>> (string username, CreateTokenRequest request,
            HttpContext http, TokenHandler handler, CancellationToken ct) =>
        {
            var token = await handler.CreateAsync(http.RequireCaller(), username, request, ct);
            return TypedResults.Created($"/api/v1/users/{username}/tokens/{token.Id}", token);
        }).WithSummary("Create a personal access token (self or admin); the token is shown only in this response");

        group.MapGet("", async Task<Ok<Page<TokenResponse>>> (string username, string? cursor, int? per_page,
            HttpContext http, TokenHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.ListAsync(http.RequireCaller(), username, PageRequest.From(cursor, per_page), ct)))
            .WithSummary("List a user's tokens (self or admin)");

        group.MapDelete("/{id:long}", async Task<NoContent> (string username, long id, HttpContext http,
            TokenHandler handler, CancellationToken ct) =>
        {
            await handler.RevokeAsync(http.RequireCaller(), username, id, ct);
            return TypedResults.NoContent();
        }).WithSummary("Revoke a token (self or admin)");

        return api;
    }

    public static IServiceCollection AddTokens(this IServiceCollection services)
    {
        services.AddSingleton<TokenRepository>();
        services.AddSingleton<TokenHandler>();
        return services;
    }
}
