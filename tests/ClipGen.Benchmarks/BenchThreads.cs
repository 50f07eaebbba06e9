using System.Globalization;

namespace ClipGen.Benchmarks;

/// <summary>
/// libtorch thread counts to measure: CLIPGEN_BENCH_THREADS (e.g. "1,2"), default 1 (the machine is small and
/// shared; one thread is the quietest comparison).
/// </summary>
public static class BenchThreads
{
    public static IEnumerable<int> Counts() =>
        (Environment.GetEnvironmentVariable("CLIPGEN_BENCH_THREADS") is { Length: > 0 } list ? list : "1")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.Parse(s, CultureInfo.InvariantCulture));
}
