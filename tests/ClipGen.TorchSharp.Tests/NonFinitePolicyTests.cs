using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>NaN/±∞ semantics: Propagate = PyTorch (coef = max/(NaN+1e-6) = NaN; coef = max/∞ = 0), Throw and SkipStep leave grads untouched.</summary>
public class NonFinitePolicyTests
{
    private static (Tensor A, Tensor B) Poisoned(float bad)
    {
        var a = Grads.Param(new float[] { 3, bad, 1 });
        var b = Grads.Param(new float[] { 2, -2 });
        return (a, b);
    }

    [Fact]
    public void Propagate_NaN_makes_total_and_every_grad_NaN()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(float.NaN);
        ClipResult r = GradClip.ClipGradNorm(new[] { a, b }, 1.0, 2.0, NonFinitePolicy.Propagate);
        Assert.True(double.IsNaN(r.TotalNorm));
        Assert.True(r.NonFinite);
        Assert.False(r.SkipStep);
        Assert.All(Grads.Of(a).Concat(Grads.Of(b)), x => Assert.True(float.IsNaN(x)));
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(double.PositiveInfinity)]
    public void Propagate_infinity_zeroes_finite_entries_and_makes_infinite_ones_NaN(double p)
    {
        // total = ∞ → coef = max/(∞+1e-6) = 0 → finite·0 = 0, ∞·0 = NaN.
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(float.PositiveInfinity);
        double total = GradClip.ClipGradNorm(new[] { a, b }, 1.0, p);
        Assert.True(double.IsPositiveInfinity(total));
        float[] ga = Grads.Of(a);
        Assert.Equal(0f, ga[0]);
        Assert.True(float.IsNaN(ga[1]));
        Assert.Equal(0f, ga[2]);
        Assert.All(Grads.Of(b), x => Assert.Equal(0f, Math.Abs(x)));
    }

    [Fact]
    public void Negative_infinity_gives_an_infinite_total_too()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(float.NegativeInfinity);
        Assert.True(double.IsPositiveInfinity(GradClip.ClipGradNorm(new[] { a, b }, 1.0)));
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Throw_names_the_offending_parameter_and_leaves_every_grad_bit_identical(float bad)
    {
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(bad);
        var none = Grads.NoGrad(2);
        byte[] beforeA = Grads.Bytes(a), beforeB = Grads.Bytes(b);
        var ex = Assert.Throws<NonFiniteGradientException>(() => GradClip.ClipGradNorm(new[] { none, a, b }, 1.0, 2.0, NonFinitePolicy.Throw));
        Assert.Equal(beforeA, Grads.Bytes(a));
        Assert.Equal(beforeB, Grads.Bytes(b));
        var offender = Assert.Single(ex.Offenders);
        Assert.Equal(1, offender.Index);
        Assert.Equal(new long[] { 3 }, offender.Shape);
        Assert.Contains("parameters[1]", ex.Message);
        Assert.Contains("[3]", ex.Message);
        Assert.Null(none.grad);
    }

    [Fact]
    public void ErrorIfNonFinite_true_is_the_Throw_policy()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(float.NaN);
        byte[] before = Grads.Bytes(a);
        Assert.Throws<NonFiniteGradientException>(() => GradClip.ClipGradNorm(new[] { a, b }, 1.0, 2.0, errorIfNonFinite: true));
        Assert.Equal(before, Grads.Bytes(a));
    }

    [Fact]
    public void Throw_through_a_module_names_the_parameter()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc1", nn.Linear(2, 3)), ("fc2", nn.Linear(3, 1)));
        model.call(ones(4, 2)).sum().backward();
        var fc2Weight = model.named_parameters().Single(n => n.name == "fc2.weight").parameter;
        using (no_grad()) fc2Weight.grad!.fill_(float.NaN);
        var ex = Assert.Throws<NonFiniteGradientException>(() => model.ClipGradNorm(1.0, errorIfNonFinite: true));
        Assert.Contains("'fc2.weight'", ex.Message);
        Assert.Equal("fc2.weight", Assert.Single(ex.Offenders).Name);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void SkipStep_leaves_grads_untouched_and_asks_to_skip(float bad)
    {
        using var scope = NewDisposeScope();
        var (a, b) = Poisoned(bad);
        byte[] beforeA = Grads.Bytes(a), beforeB = Grads.Bytes(b);
        ClipResult r = GradClip.ClipGradNorm(new[] { a, b }, 1.0, 2.0, NonFinitePolicy.SkipStep);
        Assert.True(r.SkipStep);
        Assert.True(r.NonFinite);
        Assert.False(r.Clipped);
        Assert.Equal(beforeA, Grads.Bytes(a));
        Assert.Equal(beforeB, Grads.Bytes(b));
    }

    [Fact]
    public void SkipStep_on_finite_grads_clips_normally()
    {
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4, 5 });
        ClipResult r = GradClip.ClipGradNorm(new[] { p }, 5.0, 2.0, NonFinitePolicy.SkipStep);
        Assert.False(r.SkipStep);
        Assert.True(r.Clipped);
        Assert.Equal(5 * 5 / (5 * Math.Sqrt(2) + 1e-6), Grads.Of(p)[2], 5);
    }

    [Fact]
    public void Finite_values_whose_square_overflows_float32_count_as_non_finite_like_PyTorch()
    {
        // 1e20² overflows float32, so the float32 per-tensor norm is ∞ (PyTorch does the same).
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 1e20f, 1e20f });
        var ex = Assert.Throws<NonFiniteGradientException>(() => GradClip.ClipGradNorm(new[] { p }, 1.0, 2.0, true));
        Assert.True(double.IsPositiveInfinity(ex.TotalNorm));
    }

    [Fact]
    public void GetTotalNorm_with_errorIfNonFinite_throws_on_NaN()
    {
        using var scope = NewDisposeScope();
        Tensor g = tensor(new float[] { 1, float.NaN });
        Assert.Throws<NonFiniteGradientException>(() => GradClip.GetTotalNorm(new[] { g }, 2.0, errorIfNonFinite: true));
        Assert.True(double.IsNaN(GradClip.GetTotalNorm(new[] { g }).item<double>()));
    }
}
