using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>Norm clipping of an already-collected gradient set; shared by <see cref="GradClip"/> and the clippers.</summary>
internal static class NormClip
{
    /// <summary>Total norm, one host read, policy, then (unless stopped by the policy) scaling to <paramref name="maxNorm"/>.</summary>
    internal static ClipResult Apply(GradSet set, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        Tensor total = GradNorm.TotalNorm(set.Grads, normType);
        double t = total.item<double>();
        return ApplyWithTotal(set, total, t, maxNorm, normType, nonFinite);
    }

    /// <summary>The policy and scaling half, for callers that already have the total (adaptive clippers).</summary>
    internal static ClipResult ApplyWithTotal(GradSet set, Tensor total, double t, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        bool finite = double.IsFinite(t);
        if (!finite)
        {
            if (nonFinite == NonFinitePolicy.Throw) throw NonFinite.Exception(set, t, normType);
            if (nonFinite == NonFinitePolicy.SkipStep) return new ClipResult(t, 1.0, Clipped: false, NonFinite: true, SkipStep: true);
        }

        if (set.Count == 0) return new ClipResult(0.0, 1.0, false, false, false);
        // The host coefficient is bit-identical to GradNorm.Coefficient(total, maxNorm) (same float64 operations),
        // so the split API and this path agree; a scalar multiply saves four tensor ops.
        double coef = GradNorm.Coefficient(t, maxNorm);
        // On CPU, coef == 1 needs no multiply (x · 1 = x exactly) and the host read above cost no sync.
        if (!(coef >= 1.0) || !GradNorm.AllOnCpu(set.Grads)) GradNorm.ScaleInPlace(set.Grads, coef);
        return new ClipResult(t, coef, Clipped: !(coef >= 1.0), NonFinite: !finite, SkipStep: false);
    }
}
