using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// Norm clipping of an already-collected gradient set, as <c>clip_grad.py</c> reads: total norm → policy gate →
/// coefficient → scale. Shared by <see cref="GradClip"/> and the clippers.
/// </summary>
internal static class NormClip
{
    /// <summary>Total norm, one host read, policy, then (unless stopped by the policy) scaling to <paramref name="maxNorm"/>.</summary>
    internal static ClipResult Apply(GradSet set, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        Tensor total = GradNorm.TotalNorm(set, normType);
        return ApplyWithTotal(set, total, HostValue.Read(total), maxNorm, normType, nonFinite);
    }

    /// <summary>The policy and scaling half, for callers that already have the total (adaptive clippers).</summary>
    internal static ClipResult ApplyWithTotal(GradSet set, Tensor total, double t, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        if (ClipPolicy.Stops(t, nonFinite, set, normType, out ClipResult stopped)) return stopped;
        if (set.Count == 0) return ClipResult.None;
        // The host coefficient is bit-identical to GradNorm.Coefficient(total, maxNorm) (same float64 operations),
        // so the split API and this path agree; a scalar multiply saves four tensor ops.
        double coef = GradNorm.Coefficient(t, maxNorm);
        // On CPU, coef == 1 needs no multiply (x · 1 = x exactly) and the host read above cost no sync.
        if (!(coef >= 1.0) || !GradNorm.AllOnCpu(set.Groups)) GradNorm.ScaleInPlace(set.Groups, coef);
        return ClipResult.Scaled(t, coef);
    }
}
