using System.Text.Json;
using System.Text.Json.Serialization;
using MlOps.Server.AccessControl;
using MlOps.Server.Features.Audit;
using MlOps.Server.Features.Catalog;
using MlOps.Server.Features.GitHttp;
using MlOps.Server.Features.GitLab;
using MlOps.Server.Features.Groups;
using MlOps.Server.Features.Health;
using MlOps.Server.Features.Lfs;
using MlOps.Server.Features.Lint;
using MlOps.Server.Features.Members;
using MlOps.Server.Features.Namespaces;
using MlOps.Server.Features.Projects;
using MlOps.Server.Features.PushEvents;
using MlOps.Server.Features.Repositories;
using MlOps.Server.Features.Runners;
using MlOps.Server.Features.Tokens;
using MlOps.Server.Features.Users;
using MlOps.Server.Infrastructure;
using MlOps.Server.Infrastructure.Auth;
using MlOps.Server.Infrastructure.BackgroundJobs;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using MlOps.Server.Infrastructure.Observability;

var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddMlOpsEnvironment();

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddHttpContextAccessor();
builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
    context.ProblemDetails.Extensions["trace_id"] = context.HttpContext.TraceIdentifier);
builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
builder.Services.ConfigureHttpJsonOptions(o =>
{
    o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
    o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
});
builder.Services.AddOptions<HttpLimitsOptions>().BindConfiguration(HttpLimitsOptions.Section);
builder.Services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddUploadTemporaries();
// Git pushes and LFS uploads are large; the API's own small limit is applied per path.
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
builder.Services.AddOpenApi();
builder.Services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
    .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, TokenAuthenticationHandler>(
        TokenAuthenticationHandler.SchemeName, null);
builder.Services.AddAuthorization();
builder.Services.AddTelemetry();

builder.Services.AddDatabase();
builder.Services.AddAccessGate();
builder.Services.AddSingleton<AuditLog>();
builder.Services.AddNamespaces();
builder.Services.AddUsers();
builder.Services.AddTokens();
builder.Services.AddMembers();
builder.Services.AddGroups();
builder.Services.AddProjects();
builder.Services.AddRepositories();
builder.Services.AddPushEvents();
builder.Services.AddGitHttp();
builder.Services.AddLfs();
builder.Services.AddGitLab();
builder.Services.AddLint();
builder.Services.AddCatalog();
builder.Services.AddRunners();
builder.Services.AddBackgroundJobs(builder.Configuration);

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseMiddleware<RequestTextGuardMiddleware>();
app.UseMiddleware<UnsupportedMediaTypeMiddleware>();
app.UseAuthentication();
app.UseMiddleware<RejectFailedCredentialsMiddleware>();
app.UseMiddleware<ApiScopeMiddleware>();
app.UseMiddleware<RequestSizeLimitMiddleware>();
app.UseAuthorization();

app.MapOpenApi("/openapi/{documentName}.json");
app.MapHealthEndpoints();
app.MapMetrics(app.Configuration);

var api = app.MapGroup("/api/v1");
api.MapUserEndpoints();
api.MapTokenEndpoints();
api.MapGroupEndpoints();
api.MapProjectEndpoints();
api.MapRepositoryEndpoints();
api.MapGitLabEndpoints();
api.MapAuditEndpoints();
api.MapLintEndpoints();
api.MapCatalogEndpoints();
api.MapRunnerEndpoints();
app.MapGitHttp();

app.Run();

/// <summary>Entry point, visible to the functional tests' WebApplicationFactory.</summary>
public partial class Program;
