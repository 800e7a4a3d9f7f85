# The MlOps server. Built from the repository root:
#   docker build -f deploy/server.Dockerfile -t mlops/server .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY migrations/ migrations/
COPY src/ src/
RUN dotnet publish src/MlOps.Server -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# The server streams Git traffic through the real git binaries and needs curl for its health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git git-lfs curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/mlops && chown app:app /var/lib/mlops
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    MLOPS_DATA_DIR=/var/lib/mlops \
    Logging__Console__FormatterName=json
VOLUME /var/lib/mlops
EXPOSE 8080
USER app
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["dotnet", "MlOps.Server.dll"]
