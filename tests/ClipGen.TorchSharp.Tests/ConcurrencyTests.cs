using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>Clipping separate models from parallel threads gives the same bytes as clipping them one after another (no shared state).</summary>
public class ConcurrencyTests
{
    [Fact]
    public void Parallel_threads_equal_sequential()
    {
        const int models = 4, rounds = 50;
        var sequential = Enumerable.Range(0, models).Select(m => ClipFixed(m, rounds)).ToArray();
        var parallel = new byte[models][][];
        Parallel.For(0, models, new ParallelOptions { MaxDegreeOfParallelism = models }, m => parallel[m] = ClipFixed(m, rounds));
        for (int m = 0; m < models; m++)
            for (int k = 0; k < sequential[m].Length; k++)
                Assert.Equal(sequential[m][k], parallel[m][k]);
    }

    // Deterministic without the global RNG: weights and inputs from arange, so threads do not race on random state.
    private static byte[][] ClipFixed(int m, int rounds)
    {
        using var scope = NewDisposeScope();
        var l1 = nn.Linear(6, 5);
        var l2 = nn.Linear(5, 2);
        using (no_grad())
        {
            foreach (var (p, k) in l1.parameters().Concat(l2.parameters()).Select((p, k) => (p, k)))
                p.copy_(arange(p.numel(), ScalarType.Float32).reshape(p.shape).mul(0.01 * (m + 1 + k)).sin());
        }

        var ps = l1.parameters().Concat(l2.parameters()).ToArray();
        for (int i = 0; i < rounds; i++)
        {
            using var step = NewDisposeScope();
            foreach (var p in ps) p.grad = null;
            Tensor x = arange(24, ScalarType.Float32).reshape(4, 6).mul(0.1 * (i + m + 1)).cos() * (i + 1);
            l2.call(l1.call(x).tanh()).pow(2).sum().backward();
            GradClip.ClipGradNorm(ps, 0.5 + i % 3, i % 2 == 0 ? 2.0 : double.PositiveInfinity, NonFinitePolicy.SkipStep);
            GradClip.AdaptiveClipGrad(ps, 0.05);
            GradClip.ClipGradValue(ps, 0.1);
        }

        return ps.Select(Grads.Bytes).ToArray();
    }
}
