using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>
    /// Clips each gradient by its own p-norm, in place: <c>gᵢ ← gᵢ · min(maxNorm / (‖gᵢ‖ₚ + 1e-6), 1)</c>.
    /// A parameter listed more than once is clipped once. No device sync; a NaN/infinite gradient propagates as in <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/>
    /// but only within that tensor.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest norm allowed per tensor; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    public static void ClipGradNormPerTensor(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0)
    {
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, distinct: true);
        if (set.Count == 0) return;
        ScalePerTensor(set, GradNorm.PerTensorNorms(set.Grads, normType), maxNorm);
    }

    /// <summary>
    /// <see cref="ClipGradNormPerTensor(IEnumerable{Tensor}, double, double)"/> with a policy (a repeated parameter counts once):
    /// <c>gᵢ ← gᵢ · min(maxNorm / (‖gᵢ‖ₚ + 1e-6), 1)</c> unless some gradient is not finite and the policy is
    /// <see cref="NonFinitePolicy.Throw"/> or <see cref="NonFinitePolicy.SkipStep"/> (gradients then unchanged).
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest norm allowed per tensor; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="nonFinite">What to do when a gradient norm is NaN or infinite.</param>
    /// <returns>
    /// <see cref="ClipResult.TotalNorm"/>: the total p-norm before clipping; <see cref="ClipResult.Coefficient"/>:
    /// the smallest per-tensor coefficient; <see cref="ClipResult.Clipped"/>: whether any tensor was scaled.
    /// </returns>
    public static ClipResult ClipGradNormPerTensor(IEnumerable<Tensor> parameters, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        Check.Policy(nonFinite);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, distinct: true);
        if (set.Count == 0) return ClipResult.None;
        Tensor norms = GradNorm.PerTensorNorms(set.Grads, normType);
        // One host read: the total and the largest per-tensor norm.
        double[] both = stack(new[] { GradNorm.FromPerTensor(norms, normType), GradNorm.FromPerTensor(norms, double.PositiveInfinity) })
            .cpu().data<double>().ToArray();
        double total = both[0];
        if (ClipPolicy.Stops(total, nonFinite, set, normType, out ClipResult stopped)) return stopped;
        double minCoef = GradNorm.Coefficient(both[1], maxNorm);
        ScalePerTensor(set, norms, maxNorm);
        return ClipResult.Scaled(total, minCoef);
    }

    private static void ScalePerTensor(GradSet set, Tensor norms, double maxNorm)
    {
        Tensor coefs = GradNorm.Coefficient(norms, maxNorm);
        for (int i = 0; i < set.Count; i++)
        {
            Tensor g = set.Grads[i];
            g.mul_(coefs[i].to(g.device).to_type(GradNorm.CoefficientType(g.dtype)));
        }
    }
}
