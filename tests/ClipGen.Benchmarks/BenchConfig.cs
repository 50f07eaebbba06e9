using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace ClipGen.Benchmarks;

/// <summary>A short job (the machine is small and shared): 1 launch, 3 warm-ups, 9 measured iterations.</summary>
internal static class BenchConfig
{
    public static IConfig Create(bool full)
    {
        Job job = full
            ? Job.Default.WithId("Full")
            : Job.Default.WithId("Short").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(9);
        return DefaultConfig.Instance
            .AddJob(job)
            .AddColumn(StatisticColumn.Median)
            .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
            .WithOptions(ConfigOptions.JoinSummary);
    }
}
