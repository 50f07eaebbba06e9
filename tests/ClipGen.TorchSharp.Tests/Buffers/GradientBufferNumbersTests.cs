using TorchSharp;
using TorchSharp.Modules;
using static ClipGen.TorchSharp.Tests.Buffers.GradientBufferFixtures;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>
/// The flat path gives PyTorch's numbers: total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ = ‖concat(g)‖ₚ for p in (0, ∞],
/// coef = min(max / (total + 1e-6), 1), every grad times coef — compared with TorchSharp's
/// clip_grad_norm_ on clones of the same grads (float rounding differs: summation order).
/// </summary>
public class GradientBufferNumbersTests
{
    [Theory]
    [InlineData(2.0, 1.0)]      // clips
    [InlineData(2.0, 1e6)]      // coef == 1: unchanged
    [InlineData(1.0, 3.0)]
    [InlineData(3.0, 2.0)]
    [InlineData(double.PositiveInfinity, 0.5)]
    public void Flat_clip_matches_TorchSharp_clip_grad_norm(double normType, double maxNorm)
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([10, 20], [20], [3, 4, 5], [1]);
        SetGrads(ps, seed: 7);
        Parameter[] reference = CloneWithGrads(ps);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        double total = buffer.ClipGradNorm(maxNorm, normType);
        double expected = nn.utils.clip_grad_norm_(reference, maxNorm, normType);

        Assert.Equal(expected, total, expected * 1e-5);
        AssertGradsClose(reference, ps);
        Assert.Equal(0, buffer.FallbackCount);
    }

    [Fact]
    public void Result_reports_the_coefficient_and_whether_grads_changed()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3]);
        ps[0].grad = tensor(new float[] { 3, 4, 5 });
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        // Seed example: total 5√2, coef = 5 / (5√2 + 1e-6).
        ClipResult clipped = buffer.ClipGradNorm(5.0, 2.0, NonFinitePolicy.Propagate);
        Assert.Equal(5 * Math.Sqrt(2), clipped.TotalNorm, 5);
        Assert.Equal(5 / (5 * Math.Sqrt(2) + 1e-6), clipped.Coefficient, 6);
        Assert.True(clipped.Clipped);

        ClipResult unchanged = buffer.ClipGradNorm(100.0, 2.0, NonFinitePolicy.Propagate);
        Assert.Equal(1.0, unchanged.Coefficient);
        Assert.False(unchanged.Clipped);
    }

    [Fact]
    public void Backward_accumulates_into_the_buffer_and_clipping_matches_a_twin_model()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2));
        var twin = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2));
        twin.load_state_dict(model.state_dict());
        var optimizer = optim.SGD(model.parameters(), 0.01);
        var twinOptimizer = optim.SGD(twin.parameters(), 0.01);
        using GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);

        for (int step = 0; step < 3; step++)
        {
            Tensor x = randn(32, 8);
            Tensor y = randn(32, 2);
            optimizer.zero_grad();
            twinOptimizer.zero_grad();
            nn.functional.mse_loss(model.call(x), y).mul(100).backward();
            nn.functional.mse_loss(twin.call(x), y).mul(100).backward();

            double total = buffer.ClipGradNorm(0.5);
            double expected = nn.utils.clip_grad_norm_(twin.parameters(), 0.5);

            Assert.Equal(expected, total, expected * 1e-5);
            AssertGradsClose(twin.parameters().ToArray(), model.parameters().ToArray());
            optimizer.step();
            twinOptimizer.step();
        }

        Assert.Equal(0, buffer.FallbackCount);
        // The grads were null at attach: the first backward created them, the first clip adopted them,
        // and from then on backward accumulated into the views.
        Assert.Equal(4, buffer.ReattachCount);
    }

    [Fact]
    public void Null_grads_stay_null_and_count_for_nothing()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([4], [5], [6]);
        SetGrads(ps, seed: 1);
        ps[1].grad = null;
        Parameter[] reference = CloneWithGrads(ps);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        double total = buffer.ClipGradNorm(0.1);
        double expected = nn.utils.clip_grad_norm_(reference, 0.1);

        Assert.Equal(expected, total, expected * 1e-5);
        Assert.Null(ps[1].grad);
        AssertGradsClose(reference, ps);
    }

    [Fact]
    public void No_grads_gives_total_zero()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([4], [5]);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        ClipResult result = buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.Propagate);

        Assert.Equal(0.0, result.TotalNorm);
        Assert.False(result.Clipped);
        Assert.All(ps, p => Assert.Null(p.grad));
    }

    [Fact]
    public void Float64_parameters_match_too()
    {
        using var scope = NewDisposeScope();
        var ps = new[] { new Parameter(zeros(7, dtype: float64)), new Parameter(zeros(3, 3, dtype: float64)) };
        ps[0].grad = randn(7, dtype: float64);
        ps[1].grad = randn(3, 3, dtype: float64);
        Parameter[] reference = CloneWithGrads(ps);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        double total = buffer.ClipGradNorm(0.3);
        double expected = nn.utils.clip_grad_norm_(reference, 0.3);

        Assert.Equal(expected, total, expected * 1e-12);
        AssertGradsClose(reference, ps, rtol: 1e-12, atol: 0);
    }

    [Fact]
    public void Mixed_dtypes_get_one_segment_each_and_one_total()
    {
        using var scope = NewDisposeScope();
        var ps = new[] { new Parameter(zeros(5)), new Parameter(zeros(5, dtype: float64)) };
        ps[0].grad = tensor(new float[] { 3, 0, 0, 0, 0 });
        ps[1].grad = tensor(new double[] { 4, 0, 0, 0, 0 });
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        double total = buffer.ClipGradNorm(1.0);

        Assert.Equal(2, buffer.SegmentCount);
        Assert.Equal(5.0, total, 5);
        using Tensor g0 = ps[0].grad!;
        Assert.Equal(3 / (5 + 1e-6), g0[0].item<float>(), 5);
    }

    [Fact]
    public void Non_finite_total_follows_the_policy()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3]);
        ps[0].grad = tensor(new float[] { 1, float.NaN, 2 });
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        Assert.Throws<NonFiniteGradientException>(() => buffer.ClipGradNorm(1.0, errorIfNonFinite: true));
        using (Tensor g = ps[0].grad!)
        {
            Assert.Equal(1f, g[0].item<float>());
        }

        ClipResult skip = buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.SkipStep);
        Assert.True(skip.SkipStep);
        Assert.True(skip.NonFinite);

        ClipResult propagate = buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.Propagate);
        Assert.True(double.IsNaN(propagate.TotalNorm));
        using Tensor after = ps[0].grad!;
        Assert.True(float.IsNaN(after[0].item<float>()), "PyTorch spreads NaN to every grad");
    }

    [Fact]
    public void Negative_max_norm_is_rejected()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3]);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.ClipGradNorm(-1.0));
    }
}
