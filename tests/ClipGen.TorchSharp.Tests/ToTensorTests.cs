using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// ClipGradNormToTensor: clip_grad_norm_ with Propagate and no host read; total = ‖(‖g₁‖ₚ, …)‖ₚ returned as a 0-dim
/// float64 tensor, g ← g · min(maxNorm / (total + 1e-6), 1). Same bits as the double-returning call.
/// </summary>
public class ToTensorTests
{
    [Theory]
    [InlineData(1.0, 2.0)]
    [InlineData(1e9, 2.0)] // coef == 1: the multiply still runs, x · 1 = x
    [InlineData(0.3, 1.0)]
    [InlineData(0.3, double.PositiveInfinity)]
    public void Plain_path_matches_the_double_overload_bit_for_bit(double maxNorm, double p)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(21);
        Tensor[] source = { randn(300, 7), randn(5), randn(2, 3, 4), randn(1000, dtype: ScalarType.Float64) };
        var a = source.Select(g => Grads.Param(g.clone())).ToArray();
        var b = source.Select(g => Grads.Param(g.clone())).ToArray();

        double expected = GradClip.ClipGradNorm(a, maxNorm, p);
        Tensor total = GradClip.ClipGradNormToTensor(b, maxNorm, p);

        Assert.Equal(ScalarType.Float64, total.dtype);
        Assert.Empty(total.shape);
        Assert.Equal(expected, total.item<double>());
        for (int i = 0; i < a.Length; i++) Assert.Equal(Grads.Bytes(a[i]), Grads.Bytes(b[i]));
    }

    [Fact]
    public void No_gradients_give_a_zero_total_and_NaN_propagates()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0.0, GradClip.ClipGradNormToTensor(new[] { Grads.NoGrad(3) }, 1.0).item<double>());

        var bad = Grads.Param(new float[] { 1, float.NaN });
        var good = Grads.Param(new float[] { 3, 4 });
        Assert.True(double.IsNaN(GradClip.ClipGradNormToTensor(new[] { bad, good }, 1.0).item<double>()));
        Assert.All(Grads.Of(good), v => Assert.True(float.IsNaN(v), "PyTorch spreads NaN to every grad"));
    }

    [Fact]
    public void The_total_belongs_to_the_callers_scope()
    {
        var p = Grads.Param(new float[] { 3, 4 });
        Tensor t;
        using (NewDisposeScope())
        {
            t = GradClip.ClipGradNormToTensor(new[] { p }, 1.0);
            Assert.Equal(5.0, t.item<double>(), 6);
        }

        Assert.True(t.IsInvalid);
    }
}
