namespace MlOps.Server.Tests.RunnerJobs;

/// <summary>
/// GPU inventory and GPU usage through a stand-in nvidia-smi (Fixtures/nvidia) that replays recordings
/// made on real H100s, one whole and one split into four MIG devices.
/// </summary>
public sealed class GpuStandInTests(RunnerServer server) : IClassFixture<RunnerServer>
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "nvidia");

    internal static Dictionary<string, string> StandIn(string recording, string loadFile)
    {
        // The build copies fixtures without their mode.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(Fixtures, "nvidia-smi"), (UnixFileMode)0b111_101_101);
        }
        return new()
        {
        ["MLOPS_NVIDIA_SMI"] = Path.Combine(Fixtures, "nvidia-smi"),
        ["NVIDIA_SMI_RECORDING"] = Path.Combine(Fixtures, recording),
        ["NVIDIA_SMI_LOAD"] = loadFile,
        };
    }

    [Fact]
    public async Task GpuJob_OnH100_GetsTheGpuAndIsChargedGpuSecondsWithUtilizationAndMemory()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var load = Path.Combine(Path.GetTempPath(), "nvidia-load-" + tag);
        await File.WriteAllTextAsync(load, "the recording's load state: gpu_burn at 100 %");
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("train", "echo \"gpus=$CUDA_VISIBLE_DEVICES\"; sleep 3", gpus: 1, gpuModel: "h100")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process",
            StandIn("linux-x86_64__nvidia-h100-80gb-hbm3__590.48.01.txt", load));

        var status = await server.WaitForJobAsync(jobs["train"], Within, "success", "failed");
        File.Delete(load);

        Assert.True(status == "success", runner.Output);
        using var admin = server.Admin();
        Assert.Contains("gpus=GPU-00000000-0000-0000-0000-000000000000", await admin.GetStringAsync($"/api/v1/jobs/{jobs["train"]}/log"));
        var gpu = await server.QueryAsync<(string Uuid, string Model, double Seconds, double Utilization, long Memory, double Wall)>(
            """
            SELECT g.gpu_uuid, g.gpu_model, g.gpu_seconds, g.avg_utilization, g.peak_memory_bytes, u.wall_seconds
            FROM job_gpu_usage g JOIN job_usage u USING (job_id, attempt) WHERE g.job_id = @id
            """, new { id = jobs["train"] });
        Assert.Equal("GPU-00000000-0000-0000-0000-000000000000", gpu.Uuid);
        Assert.Equal("NVIDIA H100 80GB HBM3", gpu.Model);
        Assert.InRange(gpu.Seconds, 3, gpu.Wall);
        Assert.Equal(100, gpu.Utilization);
        Assert.Equal(19818L * 1024 * 1024, gpu.Memory);
    }

    [Fact]
    public async Task MigDevices_EachASchedulableUnit_JobGetsTheProfileItAsksFor()
    {
        var repository = await server.ArrangeAsync();
        var tag = "t" + Guid.NewGuid().ToString("N")[..8];
        var (_, jobs) = await server.SeedRunAsync(repository,
            [RunnerServer.InlineJob("small", "echo \"gpus=$CUDA_VISIBLE_DEVICES\"", gpus: 1, gpuModel: "h100 mig 2g.20gb")], tags: [tag]);
        await using var runner = new RunnerProcess(server.BaseAddress, tag, "process",
            StandIn("linux-x86_64__nvidia-h100-mig__590.48.01.txt", "/nonexistent"));

        var status = await server.WaitForJobAsync(jobs["small"], Within, "success", "failed");

        Assert.True(status == "success", runner.Output);
        using var admin = server.Admin();
        Assert.Contains("gpus=MIG-00000001-0000-0000-0000-000000000001", await admin.GetStringAsync($"/api/v1/jobs/{jobs["small"]}/log"));
        var names = await server.QueryAsync<string[]>(
            "SELECT ARRAY(SELECT g ->> 'name' FROM jsonb_array_elements(gpus) g) FROM runners WHERE name = @name", new { name = runner.Name });
        Assert.Equal(["NVIDIA H100 80GB HBM3 MIG 3g.40gb", "NVIDIA H100 80GB HBM3 MIG 2g.20gb", "NVIDIA H100 80GB HBM3 MIG 1g.10gb",
            "NVIDIA H100 80GB HBM3 MIG 1g.10gb"], names);
    }
}
