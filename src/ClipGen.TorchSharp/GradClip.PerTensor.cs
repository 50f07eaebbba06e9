using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>
    /// Clips each gradient by its own p-norm, in place: <c>gᵢ ← gᵢ · min(maxNorm / (‖gᵢ‖ₚ + 1e-6), 1)</c>.
    /// No device sync; a NaN/infinite gradient propagates as in <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/>
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
        GradSet set = GradSet.Collect(parameters);
        if (set.Count == 0) return;
        ScalePerTensor(set, GradNorm.PerTensorNorms(set.Grads, normType), maxNorm);
    }

    /// <summary>
    /// <see cref="ClipGradNormPerTensor(IEnumerable{Tensor}, double, double)"/> with a policy:
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
        GradSet set = GradSet.Collect(parameters);
        if (set.Count == 0) return new ClipResult(0.0, 1.0, false, false, false);
        Tensor norms = GradNorm.PerTensorNorms(set.Grads, normType);
        // One host read: the total and the largest per-tensor norm.
        double[] both = stack(new[] { GradNorm.FromPerTensor(norms, normType), GradNorm.FromPerTensor(norms, double.PositiveInfinity) })
            .cpu().data<double>().ToArray();
        double total = both[0];
        bool finite = double.IsFinite(total);
        if (!finite)
        {
            if (nonFinite == NonFinitePolicy.Throw) throw NonFinite.Exception(set, total, normType);
            if (nonFinite == NonFinitePolicy.SkipStep) return new ClipResult(total, 1.0, false, true, true);
        }

        double minCoef = GradNorm.Coefficient(both[1], maxNorm);
        ScalePerTensor(set, norms, maxNorm);
        return new ClipResult(total, minCoef, Clipped: !(minCoef >= 1.0), NonFinite: !finite, SkipStep: false);
    }

    private static void ScalePerTensor(GradSet set, Tensor norms, double maxNorm)
    {
        Tensor coefs = GradNorm.Coefficient(norms, maxNorm);
        for (int i = 0; i < set.Count; i++)
            GradNorm.ScaleInPlace(new[] { set.Grads[i] }, coefs[i]);
    }
}
