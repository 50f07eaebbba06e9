using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>GradNormMonitor: post = pre·coef, clip rate = clipped/steps, percentiles by linear interpolation, CSV.</summary>
public class GradNormMonitorTests
{
    [Fact]
    public void Records_pre_and_post_norms_counts_and_clip_rate()
    {
        using var scope = NewDisposeScope();
        var monitor = new GradNormMonitor();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        GradNormRecord r = monitor.Record(GradClip.ClipGradNorm(new[] { p }, 5.0, 2.0, NonFinitePolicy.SkipStep));
        Assert.Equal(5 * Math.Sqrt(2), r.PreClipNorm, 5);
        Assert.Equal(5.0, r.PostClipNorm, 5);
        Assert.Equal(5.0, GradClip.TotalGradNorm(new[] { p }), 5);
        monitor.Record(GradClip.ClipGradNorm(new[] { p }, 50.0, 2.0, NonFinitePolicy.SkipStep));
        monitor.Record(GradClip.ClipGradNorm(new[] { Grads.Param(new float[] { float.NaN }) }, 1.0, 2.0, NonFinitePolicy.SkipStep));
        Assert.Equal(3, monitor.Count);
        Assert.Equal(1, monitor.ClippedCount);
        Assert.Equal(1, monitor.NonFiniteCount);
        Assert.Equal(1, monitor.SkippedCount);
        Assert.Equal(1.0 / 3, monitor.ClipRate, 12);
    }

    [Fact]
    public void Percentiles_and_suggestion_use_finite_pre_clip_norms_of_the_last_N_steps()
    {
        // norms 1..100: 95th percentile = 1 + 0.95·99 = 95.05; last 10 (91..100): 91 + 0.95·9 = 99.55.
        var monitor = new GradNormMonitor();
        for (int n = 1; n <= 100; n++) monitor.Record(n, n, false);
        monitor.Record(double.NaN, double.NaN, false);
        Assert.Equal(95.05, monitor.SuggestMaxNorm(), 10);
        Assert.Equal(95.05, monitor.Percentile(95), 10);
        Assert.Equal(99.55, monitor.SuggestMaxNorm(95, lastN: 11), 10);
        Assert.Equal(50.5, monitor.Percentile(50), 10);
        Assert.Throws<InvalidOperationException>(() => new GradNormMonitor().SuggestMaxNorm());
        Assert.Throws<ArgumentOutOfRangeException>(() => monitor.Percentile(-1));
    }

    [Fact]
    public void Csv_has_a_header_and_one_invariant_round_trip_line_per_step()
    {
        var monitor = new GradNormMonitor();
        monitor.Record(new ClipResult(2.5, 0.4, true, false, false));
        monitor.Record(new ClipResult(double.PositiveInfinity, 1, false, true, true));
        var writer = new StringWriter();
        monitor.WriteCsv(writer);
        string[] lines = writer.ToString().Split(writer.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("step,pre_clip_norm,post_clip_norm,clipped,non_finite,skip_step", lines[0]);
        Assert.Equal("0,2.5,1,true,false,false", lines[1]);
        Assert.Equal("1,Infinity,Infinity,false,true,true", lines[2]);

        string path = Path.Combine(Path.GetTempPath(), $"clipgen-monitor-{Guid.NewGuid():N}.csv");
        try
        {
            monitor.WriteCsv(path);
            Assert.Equal(lines, File.ReadAllLines(path));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
