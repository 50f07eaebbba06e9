using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ClipGen.Benchmarks;

/// <summary>A short in-process job (the machine is small and shared): 3 warm-ups, 9 measured iterations.</summary>
internal static class BenchConfig
{
    public static IConfig Create(bool full)
    {
        // In process: the benchmark runs in this already-built executable, whose libLibTorchSharp.so got the
        // repository's load fix (a BenchmarkDotNet-generated child project would not load libtorch here).
        Job job = (full
            ? Job.Default.WithId("Full")
            : Job.Default.WithId("Short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(9))
            .WithToolchain(InProcessEmitToolchain.Instance);
        return DefaultConfig.Instance
            .AddJob(job)
            .AddColumn(StatisticColumn.Median)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOptions(ConfigOptions.JoinSummary);
    }
}
