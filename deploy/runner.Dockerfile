# The MlOps runner, one per GPU host. Built from the repository root:
#   docker build -f deploy/runner.Dockerfile -t mlops/runner .
# It drives the host's Docker engine through the mounted socket and needs the NVIDIA container
# toolkit on the host to hand GPUs to jobs.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props ./
COPY src/MlOps.Contracts/ src/MlOps.Contracts/
COPY runner/ runner/
RUN dotnet publish runner/MlOps.Runner -c Release -o /app --nologo

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
ENV MLOPS_RUNNER_CONFIG=/etc/mlops-runner/runner.json
VOLUME /etc/mlops-runner
ENTRYPOINT ["dotnet", "MlOps.Runner.dll"]
