using Microsoft.Extensions.Options;

namespace MlOps.Server.Infrastructure.Http;

public sealed class HttpLimitsOptions
{
    public const string Section = "Http";

    /// <summary>Largest JSON body the API accepts. Git and LFS traffic have their own limits.</summary>
    [System.ComponentModel.DataAnnotations.Range(1024, long.MaxValue, ErrorMessage = "Http:MaxApiBodyBytes must be at least 1024 bytes.")]
    public long MaxApiBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Endpoint metadata: this endpoint takes a raw body up to <see cref="MaxBytes"/> instead of the API's JSON limit.</summary>
public sealed record RawBodyLimit(long MaxBytes);

/// <summary>
/// Kestrel's limit is one number for the whole server, but pack files and LFS objects are large
/// while API bodies are small: API requests get the small limit here. A declared length over the
/// limit is refused before a byte is read; a chunked body is cut off as soon as it passes it.
/// </summary>
public sealed class RequestSizeLimitMiddleware(RequestDelegate next, IOptions<HttpLimitsOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            // Streams (job logs, artifacts) declare their own, larger limit on their endpoint.
            var limit = context.GetEndpoint()?.Metadata.GetMetadata<RawBodyLimit>()?.MaxBytes ?? options.Value.MaxApiBodyBytes;
            if (context.Request.ContentLength > limit)
            {
                throw TooLarge(limit);
            }
            context.Request.Body = new LimitedStream(context.Request.Body, limit);
        }
        return next(context);
    }

    internal static BadHttpRequestException TooLarge(long limit) =>
        new($"The request body is larger than the limit of {limit} bytes.", StatusCodes.Status413PayloadTooLarge);

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int n)
        {
            read += n;
            return read > limit ? throw TooLarge(limit) : n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
