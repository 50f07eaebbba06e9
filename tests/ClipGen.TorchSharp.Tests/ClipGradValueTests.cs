using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>ClipGradValue: clamp to [-c, c]; NaN stays NaN; ±∞ → ±c (PyTorch clip_grad_value_).</summary>
public class ClipGradValueTests
{
    [Fact]
    public void Clamps_5_minus5_NaN_inf_minusinf_with_1()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 5, -5, float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0.5f });
        GradClip.ClipGradValue(new[] { p }, 1.0);
        float[] g = Grads.Of(p);
        Assert.Equal(1f, g[0]);
        Assert.Equal(-1f, g[1]);
        Assert.True(float.IsNaN(g[2]));
        Assert.Equal(1f, g[3]);
        Assert.Equal(-1f, g[4]);
        Assert.Equal(0.5f, g[5]);
    }

    [Fact]
    public void Policy_overload_reports_L2_total_and_clipped()
    {
        // L2 of [3, 4] = 5; max |g| = 4 > 2 → clipped.
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4 });
        ClipResult r = GradClip.ClipGradValue(new[] { p }, 2.0, NonFinitePolicy.Throw);
        Assert.Equal(5, r.TotalNorm, 6);
        Assert.True(r.Clipped);
        Assert.Equal(new float[] { 2, 2 }, Grads.Of(p));
        ClipResult none = GradClip.ClipGradValue(new[] { p }, 2.0, NonFinitePolicy.Throw);
        Assert.False(none.Clipped);
    }

    [Fact]
    public void Policy_overload_skips_or_throws_on_NaN_and_leaves_grads_untouched()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, float.NaN });
        byte[] before = Grads.Bytes(p);
        ClipResult r = GradClip.ClipGradValue(new[] { p }, 1.0, NonFinitePolicy.SkipStep);
        Assert.True(r.SkipStep);
        Assert.Equal(before, Grads.Bytes(p));
        Assert.Throws<NonFiniteGradientException>(() => GradClip.ClipGradValue(new[] { p }, 1.0, NonFinitePolicy.Throw));
        Assert.Equal(before, Grads.Bytes(p));
        ClipResult prop = GradClip.ClipGradValue(new[] { p }, 1.0, NonFinitePolicy.Propagate);
        Assert.True(prop.NonFinite);
        Assert.Equal(1f, Grads.Of(p)[0]);
    }

    [Fact]
    public void Zero_clip_value_zeroes_and_null_grads_are_skipped()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, -4 });
        var none = Grads.NoGrad(2);
        GradClip.ClipGradValue(new Tensor[] { p, none }, 0.0);
        Assert.All(Grads.Of(p), x => Assert.Equal(0f, x));
        Assert.Null(none.grad);
    }
}
