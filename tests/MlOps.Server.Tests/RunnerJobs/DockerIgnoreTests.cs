using MlOps.Runner.Executors.Docker;

namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>The .dockerignore rules of an image build's context, as `docker build` applies them.</summary>
public sealed class DockerIgnoreTests
{
    [Theory]
    [InlineData("data", "data", true)]
    [InlineData("data", "data/big.csv", true)]            // a directory's content goes with it
    [InlineData("data", "src/data", false)]               // patterns are anchored at the context root
    [InlineData("/data/", "data/big.csv", true)]          // leading and trailing slashes are cleaned away
    [InlineData("*.md", "README.md", true)]
    [InlineData("*.md", "docs/guide.md", false)]          // '*' stays within one segment
    [InlineData("**/*.pyc", "a/b/c.pyc", true)]
    [InlineData("**/*.pyc", "c.pyc", true)]               // '**/' may be no directory at all
    [InlineData("src/**", "src/x/y", true)]
    [InlineData("file?.txt", "file1.txt", true)]
    [InlineData("file?.txt", "file10.txt", false)]
    [InlineData("[ab].txt", "b.txt", true)]
    [InlineData("[!ab].txt", "b.txt", false)]
    [InlineData("# data", "# data", false)]               // a comment, not a pattern
    public void Excludes_OnePattern(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, new DockerIgnore([pattern]).Excludes(path));

    [Fact]
    public void Excludes_ExceptionAfterAPattern_LastMatchWins()
    {
        var ignore = new DockerIgnore(["notes", "!notes/keep.txt", "*.tmp", "!*.tmp", "cache/", "!cache/x", "cache/x/y"]);

        Assert.True(ignore.HasExceptions);
        Assert.True(ignore.Excludes("notes/secret.txt"));
        Assert.False(ignore.Excludes("notes/keep.txt"));
        Assert.False(ignore.Excludes("a.tmp"));
        Assert.False(ignore.Excludes("cache/x"));
        Assert.True(ignore.Excludes("cache/x/y"));
    }
}
