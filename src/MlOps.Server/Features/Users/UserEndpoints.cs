using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Users;

public static class UserEndpoints
{
    public static RouteGroupBuilder MapUserEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("").WithTags("Users");

        group.MapPost("/users", async Task<Created<UserResponse>> (CreateUserRequest request, HttpContext http,
            UserHandler handler, CancellationToken ct) =>
        {
            var user = await handler.CreateAsync(http.RequireAdmin(), request, ct);
            return TypedResults.Created($"/api/v1/users/{user.Username}", user);
        }).WithSummary("Create a user (admin)");

        group.MapGet("/users", async Task<Ok<Page<UserResponse>>> (string? cursor, int? per_page, HttpContext http,
            UserHandler handler, CancellationToken ct) =>
        {
            http.RequireAdmin();
            return TypedResults.Ok(await handler.ListAsync(PageRequest.From(cursor, per_page), ct));
        }).WithSummary("List users (admin)");

        group.MapGet("/users/{username}", async Task<Ok<UserResponse>> (string username, HttpContext http,
            UserHandler handler, CancellationToken ct) =>
            TypedResults.Ok(await handler.GetAsync(http.RequireCaller(), username, ct)))
            .WithSummary("Get a user");

        group.MapGet("/user", async Task<Ok<UserResponse>> (HttpContext http, UserHandler handler, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            return TypedResults.Ok(await handler.GetAsync(caller, caller.Username, ct));
        }).WithSummary("The signed-in user");

        return api;
    }
}
