using System;
using System.Collections.Generic;
using System.Linq;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>Floor of the gradient unit norm in AGC's rescaling, as timm: <c>max(‖G‖, 1e-6)</c>.</summary>
    public const double AdaptiveGradFloor = 1e-6;

    /// <summary>
    /// Adaptive gradient clipping (Brock et al. 2021, timm <c>adaptive_clip_grad</c> layout), in place. For every
    /// parameter W with gradient G, unit-wise norms are taken over dims 1..n (the whole tensor when ndim ≤ 1):
    /// <c>max = clipFactor · max(‖W‖ₚ, eps)</c>; a unit with <c>‖G‖ₚ ≥ max</c> becomes
    /// <c>G · max / max(‖G‖ₚ, 1e-6)</c>, others are unchanged. Zero-initialised weights get <c>max = clipFactor · eps</c>.
    /// No device sync; NaN gradients propagate.
    /// </summary>
    /// <param name="parameters">The parameters (their values are read) whose gradients are clipped.</param>
    /// <param name="clipFactor">λ, the largest ratio ‖G‖/‖W‖ allowed; finite and &gt; 0 (0.01 typical).</param>
    /// <param name="eps">The floor of the weight norm; finite and &gt; 0 (1e-3 typical).</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    public static void AdaptiveClipGrad(IEnumerable<Tensor> parameters, double clipFactor = 0.01, double eps = 1e-3, double normType = 2.0) =>
        AdaptiveClipGrad(parameters, clipFactor, eps, normType, NonFinitePolicy.Propagate, names: null, report: false);

    /// <summary>
    /// <see cref="AdaptiveClipGrad(IEnumerable{Tensor}, double, double, double)"/> with the L2 norm and a policy: the
    /// unit-wise rescaling <c>G · max / max(‖G‖, 1e-6)</c> where <c>‖G‖ ≥ max = clipFactor · max(‖W‖, eps)</c>, unless the
    /// total gradient norm is not finite and the policy is <see cref="NonFinitePolicy.Throw"/> or
    /// <see cref="NonFinitePolicy.SkipStep"/> (gradients then unchanged).
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="clipFactor">λ; finite and &gt; 0.</param>
    /// <param name="eps">The floor of the weight norm; finite and &gt; 0.</param>
    /// <param name="nonFinite">What to do when a gradient holds NaN or ±∞.</param>
    /// <returns>The L2 total gradient norm before clipping, coefficient 1, and whether any unit was rescaled.</returns>
    public static ClipResult AdaptiveClipGrad(IEnumerable<Tensor> parameters, double clipFactor, double eps, NonFinitePolicy nonFinite) =>
        AdaptiveClipGrad(parameters, clipFactor, eps, 2.0, nonFinite);

    /// <summary>
    /// <see cref="AdaptiveClipGrad(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/> with any p-norm
    /// (unit norms and the reported total use p).
    /// </summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="clipFactor">λ; finite and &gt; 0.</param>
    /// <param name="eps">The floor of the weight norm; finite and &gt; 0.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="nonFinite">What to do when a gradient holds NaN or ±∞.</param>
    /// <returns>The total gradient p-norm before clipping, coefficient 1, and whether any unit was rescaled.</returns>
    public static ClipResult AdaptiveClipGrad(IEnumerable<Tensor> parameters, double clipFactor, double eps, double normType, NonFinitePolicy nonFinite) =>
        AdaptiveClipGrad(parameters, clipFactor, eps, normType, nonFinite, names: null, report: true);

    internal static ClipResult AdaptiveClipGrad(IEnumerable<Tensor> parameters, double clipFactor, double eps, double normType,
        NonFinitePolicy nonFinite, IReadOnlyList<string>? names, bool report)
    {
        Check.Positive(clipFactor, nameof(clipFactor));
        Check.Positive(eps, nameof(eps));
        Check.NormType(normType);
        Check.Policy(nonFinite);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, names);
        if (set.Count == 0) return ClipResult.None;

        double total = 0;
        if (report)
        {
            total = HostValue.Read(GradNorm.TotalNorm(set, normType));
            if (ClipPolicy.Stops(total, nonFinite, set, normType, out ClipResult stopped)) return stopped;
        }

        var rescaled = new List<Tensor>(set.Count);
        for (int i = 0; i < set.Count; i++)
        {
            Tensor g = set.Grads[i];
            Tensor w = set.Parameters[i].detach();
            bool low = GradNorm.IsReducedPrecision(g.dtype);
            Tensor gw = low ? g.to_type(ScalarType.Float64) : g;
            Tensor ww = low || GradNorm.IsReducedPrecision(w.dtype) ? w.to_type(gw.dtype) : w;
            Tensor maxNorm = UnitNorm(ww, normType).clamp_min_(eps).mul_(clipFactor);
            Tensor gradNorm = UnitNorm(gw, normType);
            Tensor clipped = gw.mul(maxNorm.div(gradNorm.clamp_min(AdaptiveGradFloor)));
            Tensor keep = gradNorm.lt(maxNorm);
            g.copy_(where(keep, gw, clipped));
            if (report) rescaled.Add(gradNorm.gt(maxNorm).any());
        }

        bool any = report && stack(rescaled).any().item<bool>();
        return ClipResult.Unscaled(total, clipped: any || !double.IsFinite(total));
    }

    /// <summary>timm's <c>unitwise_norm</c>: the whole-tensor norm when ndim ≤ 1, else norms over dims 1..n kept as size-1 dims.</summary>
    private static Tensor UnitNorm(Tensor x, double normType) =>
        x.ndim <= 1
            ? linalg.vector_norm(x, normType)
            : linalg.vector_norm(x, normType, Enumerable.Range(1, (int)x.ndim - 1).Select(d => (long)d).ToArray(), keepdim: true);
}
