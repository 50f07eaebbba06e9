using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// <see cref="GradClip"/> on a module's parameters (<c>model.ClipGradNorm(1.0)</c>). Errors name parameters by
/// their <c>named_parameters()</c> name.
/// </summary>
public static class GradClipModuleExtensions
{
    /// <summary>
    /// <see cref="GradClip.ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> on <c>module.parameters()</c>:
    /// <c>g ← g · min(maxNorm / (total + 1e-6), 1)</c>, <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c>.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonFinite">Throw <see cref="NonFiniteGradientException"/> instead of propagating NaN.</param>
    /// <returns>The total norm before clipping.</returns>
    public static double ClipGradNorm(this nn.Module module, double maxNorm, double normType = 2.0, bool errorIfNonFinite = false) =>
        module.ClipGradNorm(maxNorm, normType, errorIfNonFinite ? NonFinitePolicy.Throw : NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>
    /// <see cref="GradClip.ClipGradNorm(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/> on the module's
    /// parameters: <c>g ← g · min(maxNorm / (total + 1e-6), 1)</c> unless the policy stops it on a non-finite total.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="nonFinite">What to do when the total norm is NaN or infinite.</param>
    /// <returns>What was measured and done.</returns>
    public static ClipResult ClipGradNorm(this nn.Module module, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        var (names, parameters) = Named(module);
        return GradClip.ClipGradNorm(parameters, maxNorm, normType, nonFinite, names);
    }

    /// <summary><see cref="GradClip.ClipGradValue(IEnumerable{Tensor}, double)"/> on the module's parameters: clamp to <c>[-clipValue, clipValue]</c>.</summary>
    /// <param name="module">The model.</param>
    /// <param name="clipValue">The largest magnitude allowed; ≥ 0 and not NaN.</param>
    public static void ClipGradValue(this nn.Module module, double clipValue)
    {
        var (names, parameters) = Named(module);
        GradClip.ClipGradValue(parameters, clipValue, names);
    }

    /// <summary><see cref="GradClip.ClipGradValue(IEnumerable{Tensor}, double, NonFinitePolicy)"/> on the module's parameters.</summary>
    /// <param name="module">The model.</param>
    /// <param name="clipValue">The largest magnitude allowed; ≥ 0 and not NaN.</param>
    /// <param name="nonFinite">What to do when a gradient holds NaN or ±∞.</param>
    /// <returns>The L2 total norm before clamping and whether anything was clamped.</returns>
    public static ClipResult ClipGradValue(this nn.Module module, double clipValue, NonFinitePolicy nonFinite)
    {
        var (names, parameters) = Named(module);
        return GradClip.ClipGradValue(parameters, clipValue, nonFinite, names);
    }

    /// <summary>
    /// <see cref="GradClip.ClipGradNormPerTensor(IEnumerable{Tensor}, double, double)"/> on the module's parameters:
    /// <c>gᵢ ← gᵢ · min(maxNorm / (‖gᵢ‖ₚ + 1e-6), 1)</c>.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="maxNorm">The largest norm allowed per tensor; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    public static void ClipGradNormPerTensor(this nn.Module module, double maxNorm, double normType = 2.0) =>
        GradClip.ClipGradNormPerTensor(module.parameters(), maxNorm, normType);

    /// <summary>
    /// <see cref="GradClip.AdaptiveClipGrad(IEnumerable{Tensor}, double, double, double)"/> on the module's parameters
    /// (AGC: unit-wise <c>G · max / max(‖G‖, 1e-6)</c> where <c>‖G‖ ≥ max = clipFactor · max(‖W‖, eps)</c>).
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="clipFactor">λ; finite and &gt; 0.</param>
    /// <param name="eps">The floor of the weight norm; finite and &gt; 0.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    public static void AdaptiveClipGrad(this nn.Module module, double clipFactor = 0.01, double eps = 1e-3, double normType = 2.0)
    {
        var (names, parameters) = Named(module);
        GradClip.AdaptiveClipGrad(parameters, clipFactor, eps, normType, NonFinitePolicy.Propagate, names, report: false);
    }

    /// <summary><see cref="GradClip.AdaptiveClipGrad(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/> on the module's parameters.</summary>
    /// <param name="module">The model.</param>
    /// <param name="clipFactor">λ; finite and &gt; 0.</param>
    /// <param name="eps">The floor of the weight norm; finite and &gt; 0.</param>
    /// <param name="nonFinite">What to do when a gradient holds NaN or ±∞.</param>
    /// <returns>The L2 total norm before clipping and whether any unit was rescaled.</returns>
    public static ClipResult AdaptiveClipGrad(this nn.Module module, double clipFactor, double eps, NonFinitePolicy nonFinite)
    {
        var (names, parameters) = Named(module);
        return GradClip.AdaptiveClipGrad(parameters, clipFactor, eps, 2.0, nonFinite, names, report: true);
    }

    /// <summary>
    /// The total gradient norm of the module, <c>‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null gradients, without clipping
    /// (one device sync). 0 when no parameter has a gradient.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>The total norm.</returns>
    public static double TotalGradNorm(this nn.Module module, double normType = 2.0) => GradClip.TotalGradNorm(module.parameters(), normType);

    private static (IReadOnlyList<string> Names, List<Tensor> Parameters) Named(nn.Module module)
    {
        if (module is null) throw new System.ArgumentNullException(nameof(module));
        var named = module.named_parameters().ToList();
        return (named.Select(n => n.name).ToList(), named.Select(n => (Tensor)n.parameter).ToList());
    }
}
