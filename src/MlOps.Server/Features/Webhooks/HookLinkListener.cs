using MlOps.Server.Infrastructure.Database;

namespace MlOps.Server.Features.Webhooks;

/// <summary>
/// Follows `mlops_hook_links` (a trigger on gitlab_links and github_links) and clears
/// <see cref="HookTargetCache"/> at every change. The cache is used only while that LISTEN is in
/// place: on losing the connection the cache is cleared and bypassed until the LISTEN is back.
/// </summary>
public sealed class HookLinkListener(HookTargetCache cache, NotificationHub hub) : IHostedService
{
    public const string Channel = "mlops_hook_links";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Links may have changed while nobody listened: (re)listening clears the cache too.
        hub.Subscribe(Channel, () => cache.Invalidate(listening: true), listening => cache.Invalidate(listening));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
