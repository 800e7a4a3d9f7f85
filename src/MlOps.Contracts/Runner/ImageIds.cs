namespace MlOps.Contracts.Runner;

/// <summary>An engine's image id as the catalog records a built image: `sha256:` and 64 lower-case hex digits.</summary>
public static class ImageIds
{
    public static bool IsImageId(string? value) =>
        value is { Length: 71 } && value.StartsWith("sha256:", StringComparison.Ordinal) && value[7..].All(char.IsAsciiHexDigitLower);
}
