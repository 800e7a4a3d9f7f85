using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Outbound;

/// <summary>
/// The primary handler for every HTTP client that talks to an address a user supplied (GitLab,
/// GitHub): it resolves the host itself and connects only to addresses <see cref="OutboundPolicy"/>
/// allows, at connect time, so DNS rebinding between a check and the connection cannot slip past.
/// Redirects are not followed (a token sent in a header would go along to the new host) and no
/// proxy is used (the proxy, not the destination, would be what the guard sees).
/// </summary>
public static class OutboundHttp
{
    /// <summary>Makes this client's primary handler the guarded one: `services.AddHttpClient&lt;X&gt;().UseOutboundGuard()`.</summary>
    public static IHttpClientBuilder UseOutboundGuard(this IHttpClientBuilder builder)
    {
        builder.Services.AddOutboundGuard();
        return builder.ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<OutboundPolicy>(),
            sp.GetRequiredService<IOptions<OutboundOptions>>().Value));
    }

    /// <summary>The policy and its options (validated at start-up); safe to call more than once.</summary>
    public static IServiceCollection AddOutboundGuard(this IServiceCollection services)
    {
        if (services.Any(s => s.ServiceType == typeof(OutboundPolicy)))
        {
            return services;
        }
        services.AddOptions<OutboundOptions>().BindConfiguration(OutboundOptions.Section)
            .Validate(o => !AllowList.Invalid(o.AllowedHosts).Any(),
                "Outbound:AllowedHosts holds an entry that is not a host name, an IP address or a CIDR range.")
            .Validate(o => o.ConnectTimeout > TimeSpan.Zero, "Outbound:ConnectTimeout must be positive.")
            .ValidateOnStart();
        // Singleton: stateless, reads the options monitor on each connection.
        services.TryAddSingleton<OutboundPolicy>();
        return services;
    }

    public static SocketsHttpHandler CreateHandler(OutboundPolicy policy, OutboundOptions options) => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = options.ConnectTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var addresses = await policy.ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    /// <summary>True when <paramref name="exception"/> (an HttpRequestException from a guarded client) is the guard's refusal.</summary>
    public static bool IsRefusal(Exception? exception, out OutboundRefusedException? refusal)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is OutboundRefusedException r)
            {
                refusal = r;
                return true;
            }
        }
        refusal = null;
        return false;
    }
}
