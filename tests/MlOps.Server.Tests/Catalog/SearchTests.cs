using MlOps.Server.Tests.Git;

namespace MlOps.Server.Tests.Catalog;

/// <summary>Catalog search: full text, typos, filters, sorting, and only what the caller may see.</summary>
public sealed class SearchTests(CatalogServer server) : IClassFixture<CatalogServer>, IDisposable
{
    private readonly GitCli git = new();

    public void Dispose() => git.Dispose();

    private static string Plot(string name, string tags) => $$$"""
        name: {{{name}}}
        kind: visualization
        description: Plot a confusion matrix for a trained model.
        image: python:3.12-slim
        command: [python3, /op/plot.py, "{{inputs.model}}", "{{outputs.chart}}"]
        inputs:  { model: { type: model } }
        outputs: { chart: { type: image } }
        tags: {{{tags}}}
        """;

    private async Task<List<string>> SearchAsync(string query, string user = GitServer.Developer)
    {
        using var client = server.User(user);
        var page = await MlOpsServer.Ensure(await client.GetAsync("/api/v1/operations?" + query));
        return page.GetProperty("items").EnumerateArray()
            .Select(i => $"{i.GetProperty("owner").GetString()}/{i.GetProperty("name").GetString()}").ToList();
    }

    [Fact]
    public async Task Search_ObviousWordsStemsAndATypo_FindTheOperation()
    {
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest());
        await server.PublishAsync(repo, "1.0.0");
        var id = $"{owner}/sklearn-train";

        Assert.Contains(id, await SearchAsync("q=sklearn"));
        Assert.Contains(id, await SearchAsync("q=classifiers"));
        Assert.Contains(id, await SearchAsync("q=train%20csv%20table"));
        Assert.Contains(id, await SearchAsync("q=sklaern"));
        Assert.Contains(id, await SearchAsync("q=clasifier"));
        Assert.DoesNotContain(id, await SearchAsync("q=tensorflow"));
    }

    [Fact]
    public async Task Search_FiltersAndSorts_AnswerOnlyMatchesInOrder()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (trainRepo, trainOwner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(tags: $"[trainable, {tag}]"));
        await server.PublishAsync(trainRepo, "1.0.0");
        var (plotRepo, plotOwner, _) = await server.ArrangeOperationAsync(git, Plot("confusion-plot", $"[{tag}]"));
        await server.PublishAsync(plotRepo, "1.0.0");
        var (cleanRepo, cleanOwner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(name: "csv-clean", kind: "data-operation",
            tags: $"[{tag}]", description: "Drop rows with missing values."));
        await server.PublishAsync(cleanRepo, "1.0.0");
        var (train, plot, clean) = ($"{trainOwner}/sklearn-train", $"{plotOwner}/confusion-plot", $"{cleanOwner}/csv-clean");
        foreach (var user in new[] { GitServer.Developer, GitServer.Reporter })
        {
            using var client = server.User(user);
            await MlOpsServer.Ensure(await client.PutAsync($"/api/v1/operations/{clean}/star", null));
        }
        using (var maintainer = server.User(GitServer.Maintainer))
        {
            await MlOpsServer.Ensure(await maintainer.PutAsync($"/api/v1/operations/{train}/star", null));
        }

        Assert.Equal([plot], await SearchAsync($"tag={tag}&kind=visualization"));
        Assert.Equal([plot], await SearchAsync($"tag={tag}&input=model"));
        Assert.Equal([plot], await SearchAsync($"tag={tag}&output=image"));
        Assert.Equal([train], await SearchAsync($"tag={tag}&tag=trainable"));
        Assert.Equal([clean, train, plot], await SearchAsync($"tag={tag}&sort=stars"));
        Assert.Equal([clean, plot, train], await SearchAsync($"tag={tag}&sort=recent"));
        Assert.Equal([clean, plot], await SearchAsync($"tag={tag}&sort=recent&per_page=2"));
        Assert.Equal([train], await SearchAsync($"tag={tag}&sort=recent&per_page=2&page=2"));
    }

    [Fact]
    public async Task Search_PrivateOperation_OnlyMembersFindIt()
    {
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (repo, owner, _) = await server.ArrangeOperationAsync(git, CatalogServer.Manifest(tags: $"[{tag}]"), visibility: "private");
        await server.PublishAsync(repo, "1.0.0");
        using var anonymous = server.Anonymous();

        Assert.Equal([$"{owner}/sklearn-train"], await SearchAsync($"tag={tag}", GitServer.Reporter));
        Assert.Empty(await SearchAsync($"tag={tag}", GitServer.Outsider));
        var page = await MlOpsServer.Ensure(await anonymous.GetAsync($"/api/v1/operations?tag={tag}"));
        Assert.Empty(page.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("kind=model", "kind", "kind must be one of data-operation, visualization, algorithm.")]
    [InlineData("sort=popular", "sort", "sort must be one of relevance, stars, uses, recent.")]
    [InlineData("per_page=0", "per_page", "per_page must be between 1 and 100.")]
    public async Task Search_BadFilter_400NamingIt(string query, string field, string message)
    {
        using var client = server.User(GitServer.Developer);

        var response = await client.GetAsync("/api/v1/operations?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await MlOpsServer.Read(response)).GetProperty("errors").GetProperty(field)[0].GetString());
    }
}
