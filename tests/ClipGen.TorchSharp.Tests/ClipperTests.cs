using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>Stateful clippers: NormClipper (fixed), AutoClip (percentile of history), ZClip (EMA z-score).</summary>
public class ClipperTests
{
    // A parameter whose gradient is [norm, 0]: its L2 total norm is exactly `norm`.
    private static Parameter WithNorm(double norm)
    {
        var p = new Parameter(zeros(2, ScalarType.Float64));
        p.grad = tensor(new[] { norm, 0.0 });
        return p;
    }

    private static double After(Tensor p) => Grads.OfDouble(p)[0];

    [Fact]
    public void NormClipper_is_ClipGradNorm_with_a_fixed_threshold()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        ClipResult r = new NormClipper(5.0).Clip(new[] { p });
        Assert.True(r.Clipped);
        Assert.Equal(5 * 5 / (5 * Math.Sqrt(2) + 1e-6), Grads.Of(p)[2], 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new NormClipper(-1));
    }

    [Fact]
    public void AutoClip_first_step_unclipped_then_threshold_is_the_percentile_of_history_including_the_current_norm()
    {
        // p = 50, linear interpolation: history [10] → unclipped; [2, 10] → 6 (2 < 6, unchanged);
        // [2, 10, 20] → 10 → coef = 10 / (20 + 1e-6).
        using var scope = NewDisposeScope();
        var clipper = new AutoClipper(percentile: 50);
        var p1 = WithNorm(10);
        ClipResult r1 = clipper.Clip(new[] { p1 });
        Assert.False(r1.Clipped);
        Assert.Equal(10, After(p1));
        Assert.Equal(10, clipper.Threshold);

        var p2 = WithNorm(2);
        Assert.False(clipper.Clip(new[] { p2 }).Clipped);
        Assert.Equal(6, clipper.Threshold, 12);
        Assert.Equal(2, After(p2));

        var p3 = WithNorm(20);
        ClipResult r3 = clipper.Clip(new[] { p3 });
        Assert.True(r3.Clipped);
        Assert.Equal(10, clipper.Threshold, 12);
        Assert.Equal(20 * 10 / (20 + 1e-6), After(p3), 10);
        Assert.Equal(3, clipper.HistoryCount);
    }

    [Fact]
    public void AutoClip_default_is_the_10th_percentile_and_a_window_forgets_old_norms()
    {
        // history [1..10] → 10th percentile = 1 + 0.9·1 = 1.9; with window 2 after [.., 9, 10] → 9.1.
        using var scope = NewDisposeScope();
        var all = new AutoClipper();
        var windowed = new AutoClipper(historySize: 2);
        for (int n = 1; n <= 10; n++)
        {
            all.Clip(new[] { WithNorm(n) });
            windowed.Clip(new[] { WithNorm(n) });
        }

        Assert.Equal(1.9, all.Threshold, 12);
        Assert.Equal(9.1, windowed.Threshold, 12);
        Assert.Equal(2, windowed.HistoryCount);
    }

    [Fact]
    public void AutoClip_non_finite_norms_are_skipped_and_never_enter_the_history()
    {
        using var scope = NewDisposeScope();
        var clipper = new AutoClipper(50);
        clipper.Clip(new[] { WithNorm(1) });
        var bad = WithNorm(double.NaN);
        ClipResult r = clipper.Clip(new[] { bad });
        Assert.True(r.SkipStep);
        Assert.True(double.IsNaN(After(bad)));
        Assert.Equal(1, clipper.HistoryCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoClipper(101));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AutoClipper(10, historySize: 0));
    }

    [Fact]
    public void ZClip_warms_up_then_clips_spikes_to_mu_plus_zthr_squared_over_z_sigma_and_updates_the_EMA()
    {
        // Warm-up [1, 2, 3]: μ = 2, σ² = 2/3. g = 10: z = 8/(σ+1e-6) > 2.5 → g' = μ + (2.5²/z)·σ;
        // μ ← 0.97μ + 0.03g', σ² ← 0.97σ² + 0.03(g' − μ)².
        using var scope = NewDisposeScope();
        var z = new ZClipper(warmupSteps: 3);
        foreach (double n in new[] { 1.0, 2.0, 3.0 })
        {
            var w = WithNorm(n);
            Assert.False(z.Clip(new[] { w }).Clipped);
            Assert.Equal(n, After(w));
        }

        Assert.True(z.IsWarmedUp);
        Assert.Equal(2, z.Mean, 12);
        Assert.Equal(2.0 / 3, z.Variance, 12);

        double mu = 2, v = 2.0 / 3, sigma = Math.Sqrt(v);
        double zScore = (10 - mu) / (sigma + 1e-6);
        double thr = mu + 2.5 * 2.5 / zScore * sigma;
        var spike = WithNorm(10);
        ClipResult r = z.Clip(new[] { spike });
        Assert.True(r.Clipped);
        Assert.Equal(thr, z.LastThreshold, 12);
        Assert.Equal(10 * thr / (10 + 1e-6), After(spike), 10);
        mu = 0.97 * mu + 0.03 * thr;
        v = 0.97 * v + 0.03 * (thr - mu) * (thr - mu);
        Assert.Equal(mu, z.Mean, 12);
        Assert.Equal(v, z.Variance, 12);

        // A normal norm (z ≤ 2.5) is not clipped and enters the EMA as is.
        var normal = WithNorm(2.1);
        Assert.False(z.Clip(new[] { normal }).Clipped);
        Assert.Equal(2.1, After(normal));
        Assert.Equal(0.97 * mu + 0.03 * 2.1, z.Mean, 12);
    }

    [Fact]
    public void ZClip_defaults_are_the_papers_and_NaN_leaves_statistics_alone()
    {
        using var scope = NewDisposeScope();
        var z = new ZClipper();
        Assert.Equal((0.97, 2.5, 25, 1e-6), (z.Alpha, z.ZThreshold, z.WarmupSteps, z.Eps));
        for (int i = 0; i < 25; i++) z.Clip(new[] { WithNorm(1 + i % 2) });
        double mean = z.Mean, variance = z.Variance;
        var bad = WithNorm(double.PositiveInfinity);
        Assert.True(z.Clip(new[] { bad }).SkipStep);
        Assert.True(double.IsPositiveInfinity(After(bad)));
        Assert.Equal((mean, variance), (z.Mean, z.Variance));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZClipper(alpha: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZClipper(warmupSteps: 0));
    }

    [Fact]
    public void ZClip_warmupMaxNorm_clips_during_warm_up()
    {
        using var scope = NewDisposeScope();
        var z = new ZClipper(warmupMaxNorm: 1.0);
        var p = WithNorm(4);
        Assert.True(z.Clip(new[] { p }).Clipped);
        Assert.Equal(4 / (4 + 1e-6), After(p), 10);
    }
}
