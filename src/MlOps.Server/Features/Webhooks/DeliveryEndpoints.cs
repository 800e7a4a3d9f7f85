using Microsoft.AspNetCore.Http.HttpResults;
using MlOps.Server.AccessControl;
using MlOps.Server.Infrastructure.Http;

namespace MlOps.Server.Features.Webhooks;

public sealed record DeliveryResponse(long Id, string Source, string Event, string DeliveryKey, DateTime ReceivedAt, DateTime? ProcessedAt,
    string? Outcome, string? EventOutcome, int Attempts, IReadOnlyList<long> RunIds);

public static class WebhookEndpoints
{
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/webhooks/gitlab", (HttpRequest request, GitLabWebhookEndpoint endpoint, CancellationToken ct) =>
                endpoint.ReceiveAsync(request, ct))
            .WithTags("Webhooks").WithSummary("GitLab's project hook: push, tag push and merge request events");
        app.MapPost("/webhooks/github", (HttpRequest request, GitHubWebhookEndpoint endpoint, CancellationToken ct) =>
                endpoint.ReceiveAsync(request, ct))
            .WithTags("Webhooks").WithSummary("GitHub's repository webhook: push, pull_request and ping");
        return app;
    }

    public static RouteGroupBuilder MapDeliveryEndpoints(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/projects/{namespace}/{project}/deliveries").WithTags("Webhooks");
        group.MapGet("", async Task<Ok<Page<DeliveryResponse>>> (string @namespace, string project, string? cursor, int? per_page,
            HttpContext http, AccessGate gate, WebhookRepository deliveries, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            var page = PageRequest.From(cursor, per_page);
            var rows = await deliveries.ListAsync(access.ProjectId, page.After, page.FetchLimit, ct);
            return TypedResults.Ok(page.ToPage(rows, d => d.Id, d => new DeliveryResponse(d.Id, d.Source, d.Event, d.DeliveryKey,
                d.ReceivedAt, d.ProcessedAt, d.Outcome, d.EventOutcome, d.Attempts, d.RunIds)));
        }).WithSummary("Webhook deliveries received for the project, newest first: outcome and the runs each made");
        group.MapPost("/{id:long}/redeliver", async Task<Accepted> (string @namespace, string project, long id, HttpContext http,
            AccessGate gate, WebhookRepository deliveries, CancellationToken ct) =>
        {
            var access = await gate.ProjectAsync(http.Caller(), @namespace, project, ProjectAction.Manage, ct);
            if (!await deliveries.ExistsAsync(access.ProjectId, id, ct))
            {
                throw new NotFoundException($"Delivery {id} not found.");
            }
            if (!await deliveries.RedeliverAsync(access.ProjectId, id, ct))
            {
                throw new ValidationException("id", $"Delivery {id} did not fail; only a failed delivery is processed again.");
            }
            return TypedResults.Accepted((string?)null);
        }).WithSummary("Process a delivery whose processing failed once more");
        return api;
    }

    /// <summary>Singletons: they hold the data source and the secret protector. The processor runs in every replica.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.Section);
        services.AddSingleton<WebhookRepository>();
        services.AddSingleton<DeliveryWriter>();
        services.AddSingleton<HookTargetCache>();
        services.AddSingleton<HookTargets>();
        services.AddHostedService<HookLinkListener>();
        services.AddSingleton<GitLabWebhookEndpoint>();
        services.AddSingleton<GitHubWebhookEndpoint>();
        services.AddHostedService<DeliveryProcessor>();
        return services;
    }
}
