using System.Text.Json;

namespace MlOps.Runner.Configuration;

/// <summary>What the runner remembers between starts: which server it registered with, and its token.</summary>
public sealed record RunnerState(Uri Url, long Id, string Token);

public sealed class RunnerStateStore(string path)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public RunnerState? Load()
    {
        if (!File.Exists(path))
        {
            return null;
        }
        return JsonSerializer.Deserialize<RunnerState>(File.ReadAllText(path), Json);
    }

    /// <summary>Writes the token readable by this user only, replacing the file atomically.</summary>
    public void Save(RunnerState state)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(temp, options))
        {
            JsonSerializer.Serialize(stream, state, Json);
        }
        File.Move(temp, full, overwrite: true);
    }

    public void Delete() => File.Delete(path);
}
