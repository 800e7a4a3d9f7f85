using System.Text.Json.Nodes;

namespace MlOps.Server.Tests.Access;

/// <summary>
/// One endpoint. <paramref name="Private"/> and <paramref name="Public"/> are the statuses in
/// <see cref="Role"/> order (anonymous, outsider, guest, reporter, developer, maintainer, owner, admin);
/// <paramref name="Public"/> null means the same as private (the endpoint is not about the project).
/// <paramref name="Scoped"/>: the request names the group, project or something in it, so callers who
/// may not see the private one must get what a nonexistent one gets. <paramref name="Problem"/>: errors
/// are RFC 7807 documents (Git and Git LFS answer in their own formats instead).
/// </summary>
public sealed record AccessCase(string Method, string Url, object? Body, int[] Private, int[]? Public = null, bool Scoped = true,
    Seed Seed = Seed.None, bool Problem = true, string? ContentType = null, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>The two checks every matrix runs over its cases, and the theory data that lists them.</summary>
public static class AccessMatrix
{
    public static TheoryData<string, string, Role> Rows(IReadOnlyDictionary<string, AccessCase> cases)
    {
        var data = new TheoryData<string, string, Role>();
        foreach (var (name, @case) in cases)
        {
            foreach (var visibility in @case.Public is null ? ["private"] : new[] { "private", "public" })
            {
                foreach (var role in Enum.GetValues<Role>())
                {
                    data.Add(name, visibility, role);
                }
            }
        }
        return data;
    }

    public static TheoryData<string, Role> HiddenRows(IReadOnlyDictionary<string, AccessCase> cases)
    {
        var data = new TheoryData<string, Role>();
        foreach (var (name, _) in cases.Where(c => c.Value.Scoped))
        {
            data.Add(name, Role.Anonymous);
            data.Add(name, Role.Outsider);
        }
        return data;
    }

    /// <summary>The case answers <paramref name="role"/> exactly the status its row says, errors as problem documents.</summary>
    public static async Task AssertStatusAsync(AccessFixture fixture, string endpoint, AccessCase @case, string visibility, Role role)
    {
        var scene = await fixture.ArrangeAsync(visibility, @case.Seed);
        using var client = fixture.ClientOf(role);

        var response = await client.SendAsync(Request(@case, scene));

        var expected = (visibility == "public" ? @case.Public! : @case.Private)[(int)role];
        Assert.True(expected == (int)response.StatusCode,
            $"{endpoint} ({visibility}) as {role}: expected {expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (expected >= 400 && @case.Problem)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>On the private project, <paramref name="role"/> gets byte for byte what the same request about nothing gets.</summary>
    public static async Task AssertLooksAbsentAsync(AccessFixture fixture, AccessCase @case, Role role)
    {
        var scene = await fixture.ArrangeAsync("private", @case.Seed);
        var missing = scene.Missing();
        using var client = fixture.ClientOf(role);

        var hidden = await client.SendAsync(Request(@case, scene));
        var absent = await client.SendAsync(Request(@case, missing));

        Assert.Equal(absent.StatusCode, hidden.StatusCode);
        Assert.Equal(absent.Content.Headers.ContentType?.ToString(), hidden.Content.Headers.ContentType?.ToString());
        Assert.Equal(Comparable(scene.Restore(await absent.Content.ReadAsStringAsync(), missing)),
            Comparable(await hidden.Content.ReadAsStringAsync()));
    }

    public static HttpRequestMessage Request(AccessCase @case, Scene scene)
    {
        var request = new HttpRequestMessage(new HttpMethod(@case.Method), scene.Fill(@case.Url));
        if (@case.Body is not null)
        {
            var text = @case.Body as string ?? JsonSerializer.Serialize(@case.Body, MlOpsServer.Json);
            request.Content = new StringContent(scene.Fill(text), System.Text.Encoding.UTF8);
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(
                @case.ContentType ?? (@case.Body is string ? "application/octet-stream" : "application/json"));
        }
        foreach (var (name, value) in @case.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, scene.Fill(value));
        }
        return request;
    }

    /// <summary>The problem document without its trace id, which differs per request by design.</summary>
    private static string Comparable(string body)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject problem)
            {
                problem.Remove("trace_id");
                problem.Remove("traceId");
                return problem.ToJsonString();
            }
        }
        catch (JsonException)
        {
        }
        return body;
    }
}
