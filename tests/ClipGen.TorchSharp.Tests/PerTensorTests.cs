using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>ClipGradNormPerTensor: gᵢ ← gᵢ · min(max / (‖gᵢ‖ₚ + 1e-6), 1), each tensor independently.</summary>
public class PerTensorTests
{
    [Fact]
    public void Each_tensor_is_clipped_by_its_own_norm()
    {
        using var scope = NewDisposeScope();
        var big = Grads.Param(new float[] { 3, 4 });     // ‖·‖ = 5 → scaled by 1/(5+1e-6)
        var small = Grads.Param(new float[] { 0.3f, 0.4f }); // ‖·‖ = 0.5 → unchanged
        GradClip.ClipGradNormPerTensor(new[] { big, small }, 1.0);
        Assert.Equal(3 / (5 + 1e-6), Grads.Of(big)[0], 6);
        Assert.Equal(4 / (5 + 1e-6), Grads.Of(big)[1], 6);
        Assert.Equal(new float[] { 0.3f, 0.4f }, Grads.Of(small));
    }

    [Fact]
    public void Infinity_norm_per_tensor()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 2, -8 }); // ‖·‖∞ = 8 → coef 4/(8+1e-6)
        GradClip.ClipGradNormPerTensor(new[] { p }, 4.0, double.PositiveInfinity);
        Assert.Equal(-8 * 4 / (8 + 1e-6), Grads.Of(p)[1], 5);
    }

    [Fact]
    public void Policy_overload_reports_total_smallest_coefficient_and_skips_on_NaN()
    {
        using var scope = NewDisposeScope();
        var a = Grads.Param(new float[] { 3, 4 });
        var b = Grads.Param(new float[] { 0, 0.5f });
        ClipResult r = GradClip.ClipGradNormPerTensor(new[] { a, b }, 1.0, 2.0, NonFinitePolicy.Throw);
        Assert.Equal(Math.Sqrt(25 + 0.25), r.TotalNorm, 6);
        Assert.Equal(1 / (5 + 1e-6), r.Coefficient, 6);
        Assert.True(r.Clipped);

        var bad = Grads.Param(new float[] { float.NaN, 1 });
        byte[] before = Grads.Bytes(bad);
        Assert.True(GradClip.ClipGradNormPerTensor(new[] { a, bad }, 1.0, 2.0, NonFinitePolicy.SkipStep).SkipStep);
        Assert.Equal(before, Grads.Bytes(bad));
    }

    [Fact]
    public void A_parameter_listed_twice_is_clipped_once()
    {
        // ‖g‖ = 13 → g · 1/(13 + 1e-6), so ‖g‖ ends at 1.0 (not 1/13 as when it was scaled twice).
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 5, 12 });
        GradClip.ClipGradNormPerTensor(new[] { p, p }, 1.0);
        Assert.Equal(13 / (13 + 1e-6), Grads.L2(Grads.Of(p)), 6);

        var q = Grads.Param(new float[] { 5, 12 });
        ClipResult r = GradClip.ClipGradNormPerTensor(new[] { q, q }, 1.0, 2.0, NonFinitePolicy.Propagate);
        Assert.Equal(13.0, r.TotalNorm, 5); // counted once in the total too
        Assert.Equal(13 / (13 + 1e-6), Grads.L2(Grads.Of(q)), 6);
    }
}
