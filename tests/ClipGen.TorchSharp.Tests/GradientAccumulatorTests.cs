using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>GradientAccumulator: k micro-batches back-propagate loss/k; one clip + step on the accumulated (mean) gradient.</summary>
public class GradientAccumulatorTests
{
    private static global::TorchSharp.Modules.Linear Model()
    {
        var m = nn.Linear(3, 1);
        using (no_grad())
        {
            m.weight!.copy_(tensor(new float[,] { { 0.5f, -1, 2 } }));
            m.bias!.fill_(0.25);
        }

        return m;
    }

    private static readonly float[][] Xs = { new float[] { 1, 2, 3 }, new float[] { -4, 5, 6 }, new float[] { 7, 8, -9 }, new float[] { 1, 0, 1 } };

    [Fact]
    public void Backward_returns_true_every_k_th_call_and_accumulates_the_mean_gradient()
    {
        // grad after k micro-batches = ∇(Σ Lᵢ / k) = ∇ mean loss.
        using var scope = NewDisposeScope();
        var acc = new GradientAccumulator(2);
        var a = Model();
        bool[] boundaries = Xs.Take(2).Select(x => acc.Backward(a.call(tensor(x)).pow(2).sum())).ToArray();
        Assert.Equal(new[] { false, true }, boundaries);

        var b = Model();
        ((b.call(tensor(Xs[0])).pow(2).sum() + b.call(tensor(Xs[1])).pow(2).sum()) / 2).backward();
        Assert.True(a.weight!.grad!.allclose(b.weight!.grad!, 1e-5, 1e-6));
    }

    [Fact]
    public void Step_clips_once_on_accumulated_grads_steps_and_zeroes()
    {
        using var scope = NewDisposeScope();
        var a = Model();
        var optA = optim.SGD(a.parameters(), 0.1);
        var acc = new GradientAccumulator(2);
        var clipper = new NormClipper(1.0);
        var results = Xs.Select(x => acc.Step(a.call(tensor(x)).pow(2).sum(), a.parameters(), optA, clipper)).ToArray();
        Assert.Equal(new[] { true, false, true, false }, results.Select(r => r.Accumulating).ToArray());
        Assert.All(results.Where(r => !r.Accumulating), r => Assert.True(r.StepTaken && r.Clipped && r.PreClipNorm > 1));
        Assert.True(double.IsNaN(results[0].PreClipNorm));

        // Reference: the same two optimizer steps written by hand.
        var b = Model();
        var optB = optim.SGD(b.parameters(), 0.1);
        for (int s = 0; s < 2; s++)
        {
            optB.zero_grad();
            ((b.call(tensor(Xs[2 * s])).pow(2).sum() + b.call(tensor(Xs[2 * s + 1])).pow(2).sum()) / 2).backward();
            GradClip.ClipGradNorm(b.parameters(), 1.0);
            optB.step();
        }

        Assert.True(a.weight!.allclose(b.weight!, 1e-5, 1e-6));
        Assert.True(a.bias!.allclose(b.bias!, 1e-5, 1e-6));
        Assert.All(a.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void Step_with_non_finite_accumulated_grads_skips_the_step_and_discards_them()
    {
        using var scope = NewDisposeScope();
        var a = Model();
        float[] before = a.weight!.data<float>().ToArray();
        var opt = optim.SGD(a.parameters(), 0.1);
        var acc = new GradientAccumulator(1);
        TrainStepResult r = acc.Step(a.call(tensor(Xs[0])).sum() * float.NaN, a.parameters(), opt, new NormClipper(1.0));
        Assert.True(r.StepSkipped);
        Assert.Equal(before, a.weight!.data<float>().ToArray());
        Assert.All(a.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GradientAccumulator(0));
    }
}
