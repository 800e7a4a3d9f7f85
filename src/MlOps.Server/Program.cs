using MlOps.Server.AccessControl;
using MlOps.Server.Features.Audit;
using MlOps.Server.Features.Billing;
using MlOps.Server.Features.Catalog;
using MlOps.Server.Features.GitHttp;
using MlOps.Server.Features.GitHub;
using MlOps.Server.Features.GitLab;
using MlOps.Server.Features.Groups;
using MlOps.Server.Features.Health;
using MlOps.Server.Features.Lfs;
using MlOps.Server.Features.Lint;
using MlOps.Server.Features.Members;
using MlOps.Server.Features.Projects;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Features.JobOutputs;
using MlOps.Server.Features.Runners;
using MlOps.Server.Features.Runners.Jobs;
using MlOps.Server.Features.Secrets;
using MlOps.Server.Features.Tokens;
using MlOps.Server.Features.Usage;
using MlOps.Server.Features.Users;
using MlOps.Server.Git;
using MlOps.Server.Features.Runs;
using MlOps.Server.Features.Webhooks;
using MlOps.Server.Infrastructure;
using MlOps.Server.Infrastructure.Audit;
using MlOps.Server.Infrastructure.BackgroundJobs;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Observability;
using MlOps.Server.Namespaces;
using MlOps.Server.Infrastructure.OpenApi;
using MlOps.Server.Infrastructure.Secrets;
using MlOps.Server.Quotas;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddMlOpsEnvironment();

builder.Services.AddHttpApi();
builder.Services.AddOptions<ServerOptions>().BindConfiguration(ServerOptions.Section);
builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddUploadTemporaries();
// Git pushes and LFS uploads are large; the API's own small limit is applied per path.
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
builder.Services.AddApiReference();
builder.Services.AddTelemetry();

builder.Services.AddDatabase();
builder.Services.AddSecretProtection();
builder.Services.AddSingleton<AuditLog>();
// The core every feature may use: the access gate, namespaces, Git and LFS storage.
builder.Services.AddAccessGate();
builder.Services.AddNamespaces();
builder.Services.AddGitStorage();
builder.Services.AddQuotas();

// The features; none of them uses another's handler or tables.
builder.Services.AddUsers();
builder.Services.AddTokens();
builder.Services.AddMembers();
builder.Services.AddGroups();
builder.Services.AddProjects();
builder.Services.AddRepositories();
builder.Services.AddGitHttp();
builder.Services.AddLfs();
builder.Services.AddGitLab();
builder.Services.AddAudit();
builder.Services.AddLint();
builder.Services.AddCatalog();
builder.Services.AddRunners();
builder.Services.AddRunnerJobs();
builder.Services.AddJobOutputs();
builder.Services.AddSecrets();
builder.Services.AddRuns();
builder.Services.AddWebhooks();
builder.Services.AddGitHub();
builder.Services.AddUsage();
builder.Services.AddBilling();
builder.Services.AddBackgroundJobs(builder.Configuration);

var app = builder.Build();

app.UseHttpApi();

app.MapApiReference();
app.MapHealthEndpoints();
app.MapMetrics(app.Configuration);

var api = app.MapGroup("/api/v1");
api.MapUserEndpoints();
api.MapTokenEndpoints();
api.MapGroupEndpoints();
api.MapProjectEndpoints();
api.MapMemberEndpoints();
api.MapRepositoryEndpoints();
api.MapLfsEndpoints();
api.MapGitLabEndpoints();
api.MapAuditEndpoints();
api.MapLintEndpoints();
api.MapCatalogEndpoints();
api.MapRunnerEndpoints();
api.MapRunnerJobEndpoints();
api.MapRunnerOutputEndpoints();
api.MapJobOutputEndpoints();
api.MapSecretEndpoints();
api.MapBillingEndpoints();
app.MapGitHttp();
app.MapLfs();
api.MapRunEndpoints();
api.MapDeliveryEndpoints();
api.MapGitHubEndpoints();
app.MapWebhooks();

return app.RunCheckingSettings();

/// <summary>Entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
