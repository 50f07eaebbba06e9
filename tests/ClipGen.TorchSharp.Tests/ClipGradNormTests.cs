using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>GradClip.ClipGradNorm against PyTorch's clip_grad_norm_ formula: total = ‖(‖g₁‖ₚ…‖gₙ‖ₚ)‖ₚ, coef = min(max/(total+1e-6), 1).</summary>
public class ClipGradNormTests
{
    [Fact]
    public void Seed_vector_3_4_5_with_max_5_is_scaled_by_5_over_5sqrt2_plus_eps()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        double total = GradClip.ClipGradNorm(new[] { p }, 5.0);
        Assert.Equal(5 * Math.Sqrt(2), total, 5);
        double coef = 5 / (5 * Math.Sqrt(2) + 1e-6);
        float[] g = Grads.Of(p);
        Assert.Equal(3 * coef, g[0], 5);
        Assert.Equal(4 * coef, g[1], 5);
        Assert.Equal(5 * coef, g[2], 5);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(double.PositiveInfinity)]
    public void Total_is_the_p_norm_of_per_tensor_p_norms(double p)
    {
        // Two tensors [3, -4] and [1, 2, -2]: ‖·‖ₚ of each, then ‖·‖ₚ of the pair; p = ∞ → max |g|.
        using var scope = NewDisposeScope();
        float[] a = { 3, -4 }, b = { 1, 2, -2 };
        double Norm(IEnumerable<double> xs) => double.IsPositiveInfinity(p) ? xs.Max(Math.Abs) : Math.Pow(xs.Sum(x => Math.Pow(Math.Abs(x), p)), 1 / p);
        double expected = Norm(new[] { Norm(a.Select(x => (double)x)), Norm(b.Select(x => (double)x)) });
        var pa = Grads.Param(a);
        var pb = Grads.Param(b);
        double total = GradClip.ClipGradNorm(new[] { pa, pb }, 1.0, p);
        Assert.Equal(expected, total, 5);
        double coef = Math.Min(1.0 / (expected + 1e-6), 1);
        Assert.Equal(a[1] * coef, Grads.Of(pa)[1], 5);
        Assert.Equal(b[2] * coef, Grads.Of(pb)[2], 5);
    }

    [Fact]
    public void Hand_computed_L1_L2_L3_Linf_of_3_4_5()
    {
        // ‖[3,4,5]‖₁ = 12, ‖·‖₂ = √50, ‖·‖₃ = 216^(1/3) = 6, ‖·‖∞ = 5.
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        Assert.Equal(12, GradClip.ClipGradNorm(new[] { p }, 100, 1), 5);
        Assert.Equal(Math.Sqrt(50), GradClip.ClipGradNorm(new[] { p }, 100, 2), 5);
        Assert.Equal(6, GradClip.ClipGradNorm(new[] { p }, 100, 3), 4);
        Assert.Equal(5, GradClip.ClipGradNorm(new[] { p }, 100, double.PositiveInfinity), 6);
    }

    [Fact]
    public void Small_grads_are_unchanged_because_coef_is_clamped_to_1()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 0.3f, 0.4f });
        double total = GradClip.ClipGradNorm(new[] { p }, 1.0);
        Assert.Equal(0.5, total, 6);
        Assert.Equal(new float[] { 0.3f, 0.4f }, Grads.Of(p));
    }

    [Fact]
    public void Null_grads_are_skipped_and_stay_null()
    {
        // total over non-null grads only: ‖[3,4]‖ = 5.
        using var scope = NewDisposeScope();
        var none = Grads.NoGrad(2, 2);
        var p = Grads.Param(new float[] { 3, 4 });
        double total = GradClip.ClipGradNorm(new Tensor[] { none, p }, 1.0);
        Assert.Equal(5, total, 6);
        Assert.Null(none.grad);
        Assert.Equal(3 / (5 + 1e-6), Grads.Of(p)[0], 6);
    }

    [Fact]
    public void Empty_and_all_null_give_total_0()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0.0, GradClip.ClipGradNorm(Array.Empty<Tensor>(), 1.0));
        var none = Grads.NoGrad(3);
        Assert.Equal(0.0, GradClip.ClipGradNorm(new[] { none }, 1.0));
        Assert.Null(none.grad);
        ClipResult r = GradClip.ClipGradNorm(Array.Empty<Tensor>(), 1.0, 2.0, NonFinitePolicy.Throw);
        Assert.Equal(new ClipResult(0, 1, false, false, false), r);
    }

    [Fact]
    public void All_zero_grads_give_total_0_and_stay_zero_without_NaN()
    {
        // coef = min(1 / (0 + 1e-6), 1) = 1.
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 0, 0, 0 });
        Assert.Equal(0.0, GradClip.ClipGradNorm(new[] { p }, 1.0));
        Assert.Equal(new float[] { 0, 0, 0 }, Grads.Of(p));
    }

    [Fact]
    public void Max_norm_0_zeroes_the_grads_like_PyTorch()
    {
        // coef = min(0 / (total + 1e-6), 1) = 0.
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, -4 });
        ClipResult r = GradClip.ClipGradNorm(new[] { p }, 0.0, 2.0, NonFinitePolicy.Propagate);
        Assert.Equal(5, r.TotalNorm, 6);
        Assert.Equal(0.0, r.Coefficient);
        Assert.True(r.Clipped);
        Assert.All(Grads.Of(p), x => Assert.Equal(0f, Math.Abs(x)));
    }

    [Fact]
    public void Result_reports_coefficient_and_clipped()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        ClipResult r = GradClip.ClipGradNorm(new[] { p }, 5.0, 2.0, NonFinitePolicy.Propagate);
        // float32 per-tensor norm, so the coefficient agrees to float32 rounding.
        Assert.Equal(5 / (5 * Math.Sqrt(2) + 1e-6), r.Coefficient, 7);
        Assert.True(r.Clipped);
        Assert.False(r.NonFinite);
        Assert.False(r.SkipStep);
        ClipResult small = GradClip.ClipGradNorm(new[] { p }, 50.0, 2.0, NonFinitePolicy.Propagate);
        Assert.Equal(1.0, small.Coefficient);
        Assert.False(small.Clipped);
    }

    [Fact]
    public void Float64_grads_match_the_formula_to_1e_12()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(tensor(new double[] { 3, 4, 5 }));
        double total = GradClip.ClipGradNorm(new[] { p }, 5.0);
        Assert.Equal(5 * Math.Sqrt(2), total, 12);
        double coef = 5 / (5 * Math.Sqrt(2) + 1e-6);
        Assert.Equal(5 * coef, Grads.OfDouble(p)[2], 12);
        Assert.Equal(ScalarType.Float64, p.grad!.dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void Half_precision_grads_are_normed_in_float64_without_overflow(ScalarType dtype)
    {
        // 300² · 1000 = 9e7 overflows float16's sum of squares (max 65504) if accumulated in float16;
        // in float64 the total is 300·√1000.
        using var scope = NewDisposeScope();
        var p = Grads.Param(full(1000, 300.0, dtype));
        double total = GradClip.ClipGradNorm(new[] { p }, 1.0);
        Assert.Equal(300 * Math.Sqrt(1000), total, 6);
        Assert.Equal(dtype, p.grad!.dtype);
        double expected = 300 / (300 * Math.Sqrt(1000) + 1e-6);
        Assert.All(Grads.OfDouble(p), x => Assert.Equal(expected, x, 2));
        Assert.Equal(1.0, GradClip.TotalGradNorm(new[] { p }), 2);
    }

    [Fact]
    public void Mixed_dtypes_are_handled_like_PyTorch_norms_combined_in_float64()
    {
        // ‖(‖[3]‖, ‖[4]‖)‖ = 5 with a float32, a float64 and (zero) float16 grad.
        using var scope = NewDisposeScope();
        var a = Grads.Param(tensor(new float[] { 3 }));
        var b = Grads.Param(tensor(new double[] { 4 }));
        var c = Grads.Param(zeros(2, ScalarType.Float16));
        double total = GradClip.ClipGradNorm(new[] { a, b, c }, 1.0);
        Assert.Equal(5, total, 6);
        Assert.Equal(3 / (5 + 1e-6), Grads.Of(a)[0], 6);
        Assert.Equal(4 / (5 + 1e-6), Grads.OfDouble(b)[0], 12);
    }

    [Fact]
    public void Plain_tensors_with_requires_grad_work()
    {
        using var scope = NewDisposeScope();
        Tensor w = tensor(new float[] { 1, 2 }).requires_grad_();
        (w * tensor(new float[] { 30, 40 })).sum().backward();
        double total = GradClip.ClipGradNorm(new[] { w }, 5.0);
        Assert.Equal(50, total, 4);
        Assert.Equal(30 * 5 / (50 + 1e-6), Grads.Of(w)[0], 4);
    }

    [Fact]
    public void Matches_TorchSharp_clip_grad_norm_on_a_model()
    {
        // TorchSharp's own clip_grad_norm_ implements the same PyTorch formula.
        using var scope = NewDisposeScope();
        random.manual_seed(7);
        var m1 = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3));
        var m2 = nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 3));
        m2.load_state_dict(m1.state_dict());
        Tensor x = randn(16, 5) * 10;
        m1.call(x).pow(2).sum().backward();
        m2.call(x).pow(2).sum().backward();
        double ours = GradClip.ClipGradNorm(m1.parameters(), 0.5);
        double theirs = nn.utils.clip_grad_norm_(m2.parameters(), 0.5);
        Assert.Equal(theirs, ours, theirs * 1e-6);
        foreach (var (a, b) in m1.parameters().Zip(m2.parameters()))
            Assert.True(a.grad!.allclose(b.grad!, rtol: 1e-5, atol: 1e-7));
    }
}
