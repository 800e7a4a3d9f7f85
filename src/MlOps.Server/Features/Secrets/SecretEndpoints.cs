using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Secrets;

namespace MlOps.Server.Features.Secrets;

public sealed record SetSecretRequest(string? Value);

public sealed record SecretResponse(string Name, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// Project and group secrets, set by maintainers. A value goes in and never comes out: lists show
/// names and dates only; jobs that name a secret get it as an environment variable.
/// </summary>
public static partial class SecretEndpoints
{
    private const int MaxValueBytes = 64 * 1024;

    public static RouteGroupBuilder MapSecretEndpoints(this RouteGroupBuilder api)
    {
        var project = api.MapGroup("/projects/{namespace}/{project}/secrets").WithTags("Secrets");
        project.MapGet("", async Task<Ok<IReadOnlyList<SecretResponse>>> (string @namespace, string project, HttpContext http,
            AccessGate gate, SecretRepository secrets, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            return TypedResults.Ok(Names(await secrets.ListAsync(access.ProjectId, null, ct)));
        }).WithSummary("Names of the project's secrets (maintainer); values are never returned");
        project.MapPut("/{name}", async Task<NoContent> (string @namespace, string project, string name, SetSecretRequest request,
            HttpContext http, AccessGate gate, SecretRepository secrets, SecretProtector protector, CancellationToken ct) =>
        {
            var caller = http.RequireCaller();
            var access = await gate.ProjectAsync(caller, @namespace, project, ProjectAction.Manage, ct);
            await secrets.UpsertAsync(access.ProjectId, null, Check(name, request), protector.Protect(request.Value!), caller.UserId, ct);
            return TypedResults.NoContent();
        }).WithSummary("Set a project secret (maintainer)");
        project.MapDelete("/{name}", async Task<NoContent> (string @namespace, string project, string name, HttpContext http,
            AccessGate gate, SecretRepository secrets, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            return await secrets.DeleteAsync(access.ProjectId, null, name, ct) ? TypedResults.NoContent()
                : throw new NotFoundException($"Secret '{name}' not found.");
        }).WithSummary("Delete a project secret (maintainer)");

        var group = api.MapGroup("/groups/{group}/secrets").WithTags("Secrets");
        group.MapGet("", async Task<Ok<IReadOnlyList<SecretResponse>>> (string group, HttpContext http, AccessGate gate,
            SecretRepository secrets, CancellationToken ct) =>
        {
            var access = await GroupAsync(http, gate, group, ct);
            return TypedResults.Ok(Names(await secrets.ListAsync(null, access.NamespaceId, ct)));
        }).WithSummary("Names of the group's secrets (maintainer); its projects and subgroups' projects inherit them");
        group.MapPut("/{name}", async Task<NoContent> (string group, string name, SetSecretRequest request, HttpContext http,
            AccessGate gate, SecretRepository secrets, SecretProtector protector, CancellationToken ct) =>
        {
            var access = await GroupAsync(http, gate, group, ct);
            await secrets.UpsertAsync(null, access.NamespaceId, Check(name, request), protector.Protect(request.Value!),
                http.RequireCaller().UserId, ct);
            return TypedResults.NoContent();
        }).WithSummary("Set a group secret (maintainer)");
        group.MapDelete("/{name}", async Task<NoContent> (string group, string name, HttpContext http, AccessGate gate,
            SecretRepository secrets, CancellationToken ct) =>
        {
            var access = await GroupAsync(http, gate, group, ct);
            return await secrets.DeleteAsync(null, access.NamespaceId, name, ct) ? TypedResults.NoContent()
                : throw new NotFoundException($"Secret '{name}' not found.");
        }).WithSummary("Delete a group secret (maintainer)");
        return api;
    }

    public static IServiceCollection AddSecrets(this IServiceCollection services)
    {
        // GitLab links register the protector too; one instance either way.
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton<SecretProtector>(services);
        services.AddSingleton<SecretRepository>();
        services.AddSingleton<SecretVault>();
        return services;
    }

    // A user's namespace looks absent here to everyone (GroupAsync), so the answer never tells it apart from a missing group.
    private static Task<NamespaceAccess> GroupAsync(HttpContext http, AccessGate gate, string group, CancellationToken ct) =>
        gate.GroupAsync(http.Caller(), group, NamespaceAction.Manage, ct);

    private static string Check(string name, SetSecretRequest request)
    {
        new Validator()
            .Check(SecretName().IsMatch(name) && name.Length <= 128 && !name.StartsWith("MLOPS_", StringComparison.OrdinalIgnoreCase), "name",
                "name must be a variable name ([A-Za-z_][A-Za-z0-9_]*, at most 128 characters) not starting with MLOPS_.")
            .Check(request.Value is { Length: > 0 } v && System.Text.Encoding.UTF8.GetByteCount(v) <= MaxValueBytes, "value",
                $"value is required (at most {MaxValueBytes} bytes).")
            .ThrowIfAny();
        return name;
    }

    private static IReadOnlyList<SecretResponse> Names(IReadOnlyList<SecretName> names) =>
        names.Select(n => new SecretResponse(n.Name, n.CreatedAt, n.UpdatedAt)).ToList();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex SecretName();
}
