// The runner benchmarks' clients (bench/runner/run.sh): `jobs` times trivial runs end to end,
// `claims` measures claims per second with many runners polling at once.
return args.FirstOrDefault() switch
{
    "jobs" => await Jobs.RunAsync(new Uri(args[1]), args[2], args[3], args[4], int.Parse(args[5]), args[6], args[7..]),
    "claims" => await Claims.RunAsync(new Uri(args[1]), args[2], int.Parse(args[3]), args[4], args[5..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: MlOps.Bench.Runner jobs URL TOKEN PROJECT PIPELINE COUNT DATABASE [BARE COMMAND ...] | claims URL REGISTRATION_TOKEN RUNNERS OUT.csv TAG [TAG ...]");
    return 2;
}
