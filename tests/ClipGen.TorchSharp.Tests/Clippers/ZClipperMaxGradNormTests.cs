using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Clippers;

/// <summary>
/// ZClip's absolute cap (the authors' <c>max_grad_norm</c>, zclip.py <c>_apply_clipping</c>): after warm-up the threshold
/// is <c>min(g', max_grad_norm)</c> where g' is the z-score clip (g when no spike), gradients are scaled by
/// <c>threshold / (g + 1e-6)</c> when <c>g &gt; threshold</c>, and the EMA is updated with g', never with the cap.
/// </summary>
public class ZClipperMaxGradNormTests
{
    // A parameter whose float64 gradient is [norm, 0]: its L2 total norm is exactly `norm`.
    private static Parameter WithNorm(double norm)
    {
        var p = new Parameter(zeros(2, ScalarType.Float64));
        p.grad = tensor(new[] { norm, 0.0 });
        return p;
    }

    private static double After(Tensor p) => Grads.OfDouble(p)[0];

    [Fact]
    public void A_steadily_growing_norm_is_bounded_by_the_cap_and_not_without_it()
    {
        // 2 % growth per step with ±30 % step-to-step noise, 200 steps (0.7 → 67): μ and σ follow the growth and no
        // step is a z-score outlier, so ZClip alone never clips it.
        using var scope = NewDisposeScope();
        var capped = new ZClipper(warmupSteps: 5, maxGradNorm: 2.0);
        var plain = new ZClipper(warmupSteps: 5);
        double plainMax = 0;
        int plainClips = 0;
        for (int step = 0; step < 200; step++)
        {
            double norm = Math.Pow(1.02, step) * (step % 2 == 0 ? 0.7 : 1.3);
            var a = WithNorm(norm);
            var b = WithNorm(norm);
            ClipResult r = capped.Clip(new[] { a });
            plainClips += plain.Clip(new[] { b }).Clipped ? 1 : 0;
            plainMax = Math.Max(plainMax, After(b));
            Assert.Equal(norm, r.TotalNorm, 9);
            // Capped = the z-score clip, then at most 2 (warm-up included, as the reference's clip_grad_norm_ there).
            Assert.True(After(a) <= 2.0, $"step {step}: post-clip norm {After(a)}");
            Assert.Equal(Math.Min(After(b), norm > 2 ? norm * 2.0 / (norm + 1e-6) : norm), After(a), 9);
            Assert.Equal(norm > 2 || After(b) < norm, r.Clipped);
            // The EMA learns from the z-score clip only: the cap does not change what it learns.
            Assert.Equal(plain.Mean, capped.Mean, 12);
            Assert.Equal(plain.Variance, capped.Variance, 12);
        }

        Assert.Equal(0, plainClips);
        Assert.True(plainMax > 50, $"without the cap the post-clip norm reached only {plainMax}");
        Assert.Equal(2.0, capped.LastThreshold);
        Assert.Equal(2.0, capped.MaxGradNorm);
    }

    [Fact]
    public void A_spike_is_clipped_to_the_lower_of_the_z_score_threshold_and_the_cap()
    {
        // Warm-up [1, 2, 3]: μ = 2, σ² = 2/3; g = 10 → g' = μ + (2.5²/z)·σ ≈ 2.83 (z = 8/(σ + 1e-6)).
        using var scope = NewDisposeScope();
        var loose = new ZClipper(warmupSteps: 3, maxGradNorm: 5.0);
        var tight = new ZClipper(warmupSteps: 3, maxGradNorm: 2.5);
        foreach (double n in new[] { 1.0, 2.0, 3.0 })
        {
            loose.Clip(new[] { WithNorm(n) });
            tight.Clip(new[] { WithNorm(n) });
        }

        double sigma = Math.Sqrt(2.0 / 3), z = 8 / (sigma + 1e-6), clip = 2 + 2.5 * 2.5 / z * sigma;
        var p = WithNorm(10);
        loose.Clip(new[] { p });
        Assert.Equal(clip, loose.LastThreshold, 12);
        Assert.Equal(10 * clip / (10 + 1e-6), After(p), 5);
        var q = WithNorm(10);
        tight.Clip(new[] { q });
        Assert.Equal(2.5, tight.LastThreshold);
        Assert.Equal(10 * 2.5 / (10 + 1e-6), After(q), 5);
        // Both EMAs learn from g', not from the cap: μ = 0.97·2 + 0.03·g'.
        Assert.Equal(0.97 * 2 + 0.03 * clip, loose.Mean, 12);
        Assert.Equal(loose.Mean, tight.Mean, 12);
    }

    [Fact]
    public void WarmupMaxNorm_takes_precedence_during_warm_up_and_a_negative_cap_is_rejected()
    {
        using var scope = NewDisposeScope();
        var z = new ZClipper(warmupSteps: 2, warmupMaxNorm: 3.0, maxGradNorm: 1.0);
        var p = WithNorm(4);
        z.Clip(new[] { p });
        Assert.Equal(4 * 3.0 / (4 + 1e-6), After(p), 5);
        Assert.Null(new ZClipper().MaxGradNorm);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ZClipper(maxGradNorm: -1));
        Assert.Equal("maxGradNorm", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ZClipper(maxGradNorm: double.NaN));
    }
}
