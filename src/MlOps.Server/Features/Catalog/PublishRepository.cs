using System.Text.Json;
using Dapper;
using MlOps.Server.Infrastructure.Database;
using MlOps.Server.Infrastructure.Http;
using Npgsql;

namespace MlOps.Server.Features.Catalog;

/// <summary>Writes a published version, its operation's catalog entry and, for `build:` operations, the image-build run, in one transaction.</summary>
public sealed class PublishRepository(NpgsqlDataSource dataSource)
{
    public async Task PublishAsync(VersionDraft draft, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var manifest = draft.Manifest;
        try
        {
            var operationId = await UpsertOperationAsync(connection, transaction, draft, cancellationToken);
            var status = manifest.Build is null ? "ready" : "building";
            var versionId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                """
                INSERT INTO operation_versions (operation_id, version, commit_sha, manifest_yaml, manifest, image_reference, image_digest,
                                                status, published_by)
                VALUES (@operationId, @Version, @CommitSha, @ManifestYaml, @manifest::jsonb, @ImageReference, @ImageDigest, @status, @userId)
                RETURNING id
                """,
                new
                {
                    operationId, draft.Version, draft.CommitSha, draft.ManifestYaml,
                    manifest = JsonSerializer.Serialize(ManifestView.From(manifest), StoredJson.Options),
                    draft.ImageReference, draft.ImageDigest, status, userId = draft.Publisher.UserId,
                }, transaction, cancellationToken: cancellationToken));
            if (manifest.Build is { } dockerfile)
            {
                await StartBuildAsync(connection, transaction, draft, dockerfile, versionId, cancellationToken);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "operation_versions_operation_id_version_key"))
        {
            throw new ConflictException("version",
                $"Version {draft.Version} of {draft.Owner}/{manifest.Name} is already published; versions never change, publish a new version number.");
        }
        catch (PostgresException e) when (UniqueViolation.Is(e, "operations_owner_name_key"))
        {
            throw new ConflictException("name",
                $"{draft.Owner}/{manifest.Name} is already published from another project; choose another name in operation.yml.");
        }
    }

    private static async Task<long> UpsertOperationAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, VersionDraft draft,
        CancellationToken cancellationToken)
    {
        var manifest = draft.Manifest;
        var existing = await connection.QuerySingleOrDefaultAsync<(long Id, string Name)?>(new CommandDefinition(
            "SELECT id, name FROM operations WHERE project_id = @ProjectId FOR UPDATE",
            new { draft.Project.ProjectId }, transaction, cancellationToken: cancellationToken));
        if (existing is { } op && !string.Equals(op.Name, manifest.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("operation.yml",
                $"operation.yml names the operation '{manifest.Name}', but {draft.Project.FullPath} publishes '{op.Name}'; an operation keeps its name.");
        }
        var tags = string.Join(' ', manifest.Tags);
        var fields = new
        {
            draft.Project.ProjectId, draft.Owner, manifest.Name, Kind = ManifestView.KindName(manifest.Kind), manifest.Description,
            Tags = manifest.Tags.ToArray(),
            InputTypes = manifest.Inputs.Select(i => i.Type).Distinct().Order(StringComparer.Ordinal).ToArray(),
            OutputTypes = manifest.Outputs.Select(o => o.Type).Distinct().Order(StringComparer.Ordinal).ToArray(),
            draft.Version,
            NameWords = manifest.Name.Replace('-', ' ').Replace('_', ' ') + " " + manifest.Name,
            TagWords = tags,
            SearchText = $"{manifest.Name} {tags} {manifest.Description}".ToLowerInvariant(),
        };
        // Name and tags weigh more than the description; 'english' stems (classifiers ~ classifier).
        const string Search = """
            setweight(to_tsvector('english', @NameWords), 'A') || setweight(to_tsvector('english', @TagWords), 'B')
            || setweight(to_tsvector('english', COALESCE(@Description, '')), 'C')
            """;
        if (existing is { } found)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"""
                UPDATE operations SET kind = @Kind, description = @Description, tags = @Tags, input_types = @InputTypes,
                    output_types = @OutputTypes, latest_version = @Version, search = {Search}, search_text = @SearchText, updated_at = now()
                WHERE id = @id
                """, new { fields.Kind, fields.Description, fields.Tags, fields.InputTypes, fields.OutputTypes, fields.Version,
                    fields.NameWords, fields.TagWords, fields.SearchText, id = found.Id }, transaction, cancellationToken: cancellationToken));
            return found.Id;
        }
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            $"""
            INSERT INTO operations (project_id, owner, name, kind, description, tags, input_types, output_types, latest_version, search, search_text)
            VALUES (@ProjectId, @Owner, @Name, @Kind, @Description, @Tags, @InputTypes, @OutputTypes, @Version, {Search}, @SearchText)
            RETURNING id
            """, fields, transaction, cancellationToken: cancellationToken));
    }

    private static async Task StartBuildAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, VersionDraft draft, string dockerfile,
        long versionId, CancellationToken cancellationToken)
    {
        var project = draft.Project;
        var operation = $"{draft.Owner}/{draft.Manifest.Name}";
        var build = new ImageBuild(project.FullPath, project.ProjectId, draft.CommitSha, ".", dockerfile, draft.ImageReference,
            operation, draft.Version, new Dictionary<string, string>
            {
                ["org.opencontainers.image.revision"] = draft.CommitSha,
                ["org.opencontainers.image.version"] = draft.Version,
                ["io.mlops.operation"] = operation,
            });
        var spec = ImageBuildJobSpec.For(build, project.ClientPath);
        var run = new CatalogRun(project.ProjectId, project.ClientId, ImageBuildJobSpec.PipelineName, draft.CommitSha, draft.CommitSha,
            draft.Publisher.UserId, draft.Publisher.Username, new { operation, version = draft.Version },
            null, new CatalogJob(ImageBuildJobSpec.JobName, spec, 0, null, spec.Resources.Cpus, spec.Resources.MemoryBytes,
                spec.TimeoutSeconds, null, 1, []));
        var (_, jobId) = await CatalogRunWriter.InsertAsync(connection, transaction, run, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE operation_versions SET build_job_id = @jobId WHERE id = @versionId", new { jobId, versionId }, transaction,
            cancellationToken: cancellationToken));
    }
}
