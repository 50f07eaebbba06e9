using CsCheck;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>CsCheck properties of norm clipping over random shapes and values.</summary>
public class PropertyTests
{
    private static readonly double[] NormTypes = { 1.0, 2.0, 3.0, double.PositiveInfinity };

    // 1–4 tensors, each of 1–3 dims of size 1–5, values in [-100, 100]; maxNorm in [0.01, 50]; one of L1/L2/L3/L∞.
    private static readonly Gen<(float[][] Values, long[][] Shapes, double MaxNorm, double P)> Cases =
        from shapes in Gen.Int[1, 5].Array[1, 3].Array[1, 4]
        from values in Gen.Float[-100f, 100f].Array[125].Array[shapes.Length]
        from maxNorm in Gen.Double[0.01, 50]
        from p in Gen.Int[0, 3]
        select (values, shapes.Select(s => s.Select(d => (long)d).ToArray()).ToArray(), maxNorm, NormTypes[p]);

    [Fact]
    public void Post_clip_norm_is_at_most_maxNorm_times_1_plus_1e_6_and_direction_is_preserved()
    {
        // After g ← g·min(max/(total+1e-6), 1): ‖g‖ₚ ≤ max·(1+1e-6), and every g is the same non-negative multiple of itself.
        Cases.Sample(c =>
        {
            using var scope = NewDisposeScope();
            Tensor[] before = c.Shapes.Select((s, i) => tensor(c.Values[i].Take((int)s.Aggregate(1L, (a, b) => a * b)).ToArray()).reshape(s)).ToArray();
            var ps = before.Select(b => Grads.Param(b.clone())).ToArray();
            ClipResult r = GradClip.ClipGradNorm(ps, c.MaxNorm, c.P, NonFinitePolicy.Throw);
            double after = GradClip.TotalGradNorm(ps, c.P);
            Assert.True(after <= c.MaxNorm * (1 + 1e-6) || after <= r.TotalNorm * (1 + 1e-6),
                $"post-clip norm {after} > max {c.MaxNorm} (pre {r.TotalNorm}, p {c.P})");
            Assert.InRange(r.Coefficient, 0.0, 1.0);
            for (int i = 0; i < ps.Length; i++)
                Assert.True(ps[i].grad!.allclose(before[i] * r.Coefficient, rtol: 1e-5, atol: 1e-6), "direction changed");
        }, iter: 100, threads: 1);
    }

    [Fact]
    public void When_total_exceeds_maxNorm_the_post_clip_norm_equals_maxNorm_to_1e_5_relative()
    {
        // |‖g‖ − max| ≤ max·1e-5 (float32 rounding on top of PyTorch's 1e-6) whenever total > max.
        Cases.Sample(c =>
        {
            using var scope = NewDisposeScope();
            var ps = c.Shapes.Select((s, i) => Grads.Param(tensor(c.Values[i].Take((int)s.Aggregate(1L, (a, b) => a * b)).ToArray()).reshape(s))).ToArray();
            ClipResult r = GradClip.ClipGradNorm(ps, c.MaxNorm, c.P, NonFinitePolicy.Throw);
            if (r.TotalNorm <= c.MaxNorm) return;
            double after = GradClip.TotalGradNorm(ps, c.P);
            Assert.True(Math.Abs(after - c.MaxNorm) <= c.MaxNorm * 1e-5, $"post {after} vs max {c.MaxNorm}");
        }, iter: 100, threads: 1);
    }
}
