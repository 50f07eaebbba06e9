using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// PyTorch-exact gradient clipping for TorchSharp (<c>torch.nn.utils.clip_grad_norm_</c> and friends), plus
/// non-finite policies, per-tensor and adaptive (AGC) clipping, and a TensorFlow-style functional form.
/// </summary>
/// <remarks>
/// <para><c>parameters</c> are tensors whose <c>.grad</c> is clipped in place (<c>model.parameters()</c>, or plain
/// tensors with <c>requires_grad</c>); parameters whose gradient is null are skipped and never get one.</para>
/// <para>Every argument and every gradient's shape is checked before anything is written: on an exception no
/// gradient has changed. Gradients on several devices or of several floating dtypes are handled like PyTorch
/// (per-tensor norms are computed where each gradient lives and combined on the first gradient's device, in
/// float64); float16/bfloat16 gradients are normed in float64.</para>
/// <para>Every TorchSharp temporary is disposed; returned tensors are moved to the caller's DisposeScope.</para>
/// </remarks>
public static partial class GradClip
{
    /// <summary>Added to the total norm before dividing, as PyTorch does: <c>coef = maxNorm / (total + 1e-6)</c>.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// Clips the gradients by their total p-norm, in place, exactly as PyTorch's <c>clip_grad_norm_</c>:
    /// <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over the non-null gradients (p = ∞: <c>max |g|</c>),
    /// <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, every gradient multiplied by <c>coef</c>.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN (0 zeroes every gradient).</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonFinite">
    /// false (PyTorch default): a NaN total makes every gradient NaN, an infinite total zeroes finite entries and
    /// turns infinite ones into NaN. true: throw <see cref="NonFiniteGradientException"/>, gradients unchanged.
    /// </param>
    /// <returns>The total norm before clipping (0 when there are no gradients).</returns>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0, bool errorIfNonFinite = false) =>
        ClipGradNorm(parameters, maxNorm, normType, errorIfNonFinite ? NonFinitePolicy.Throw : NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>
    /// <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> with a policy for NaN/infinite norms:
    /// <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, <c>g ← g · coef</c> unless the total is not finite and the
    /// policy is <see cref="NonFinitePolicy.Throw"/> (throws, gradients unchanged) or
    /// <see cref="NonFinitePolicy.SkipStep"/> (gradients unchanged, <see cref="ClipResult.SkipStep"/> set).
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="nonFinite">What to do when the total norm is NaN or infinite.</param>
    /// <returns>The pre-clip total norm, the coefficient, whether anything was clipped, and whether to skip the step.</returns>
    public static ClipResult ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType, NonFinitePolicy nonFinite) =>
        ClipGradNorm(parameters, maxNorm, normType, nonFinite, names: null);

    internal static ClipResult ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType, NonFinitePolicy nonFinite, IReadOnlyList<string>? names)
    {
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        Check.Policy(nonFinite);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, names);   // the non-null grads, grouped by (device, dtype)
        return NormClip.Apply(set, maxNorm, normType, nonFinite); // total → policy → coefficient → scale
    }

    /// <summary>
    /// <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> without a host read (PyTorch's
    /// <c>clip_grad_norm_</c> with <c>error_if_nonfinite=False</c>, i.e. <see cref="NonFinitePolicy.Propagate"/>):
    /// <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c>, <c>coef = min(maxNorm / (total + 1e-6), 1)</c> computed on the device,
    /// every gradient multiplied by <c>coef</c> (always, even by 1). Nothing waits for the device: use it in
    /// <c>void</c>/<c>Tensor</c> train steps on CUDA.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clipped.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>
    /// The pre-clip total norm as a 0-dim float64 tensor on the first gradient's device (CPU, value 0, when no
    /// parameter has a gradient), in the caller's DisposeScope.
    /// </returns>
    public static Tensor ClipGradNormToTensor(IEnumerable<Tensor> parameters, double maxNorm, double normType = 2.0)
    {
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        Tensor total = GradNorm.TotalNorm(set, normType);
        if (set.Count > 0) GradNorm.ScaleInPlace(set.Groups, GradNorm.Coefficient(total, maxNorm));
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The first half of <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> (PyTorch
    /// <c>get_total_norm</c>): <c>‖(‖t₁‖ₚ, …, ‖tₙ‖ₚ)‖ₚ</c> of the given tensors themselves (null entries skipped).
    /// </summary>
    /// <param name="gradients">The gradient tensors (not the parameters).</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <param name="errorIfNonFinite">Throw <see cref="NonFiniteGradientException"/> when the norm is NaN or infinite.</param>
    /// <returns>
    /// A float64 scalar tensor on the first tensor's device (CPU when there is none), in the caller's DisposeScope.
    /// PyTorch returns the gradients' dtype; float64 keeps float16 totals from overflowing.
    /// </returns>
    public static Tensor GetTotalNorm(IEnumerable<Tensor> gradients, double normType = 2.0, bool errorIfNonFinite = false)
    {
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.FromGradients(gradients, nameof(gradients));
        Tensor total = GradNorm.TotalNorm(set, normType);
        if (errorIfNonFinite) ClipPolicy.Stops(HostValue.Read(total), NonFinitePolicy.Throw, set, normType, out _);

        return total.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The second half of <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> (PyTorch
    /// <c>clip_grads_with_norm_</c>): <c>g ← g · min(maxNorm / (totalNorm + 1e-6), 1)</c> for every non-null
    /// gradient, without a device sync. With <see cref="GetTotalNorm"/> it gives the same numbers as the one call.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are scaled.</param>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="totalNorm">A one-element tensor, usually from <see cref="GetTotalNorm"/>.</param>
    public static void ClipGradsWithNorm(IEnumerable<Tensor> parameters, double maxNorm, Tensor totalNorm)
    {
        Check.MaxNorm(maxNorm);
        if (totalNorm is null) throw new System.ArgumentNullException(nameof(totalNorm));
        if (totalNorm.numel() != 1)
            throw new System.ArgumentException($"totalNorm must have exactly one element (got shape {GradSet.Shape(totalNorm.shape)}).", nameof(totalNorm));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        if (set.Count == 0) return;
        GradNorm.ScaleInPlace(set.Groups, GradNorm.Coefficient(totalNorm.reshape(System.Array.Empty<long>()), maxNorm));
    }

    /// <summary>
    /// The total norm of the parameters' gradients, <c>‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null gradients, read to the
    /// host (one device sync) without clipping; 0 when no parameter has a gradient. Use it to log norms or pick
    /// <c>maxNorm</c>.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are measured.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>The total norm (NaN or ∞ when a gradient is not finite).</returns>
    public static double TotalGradNorm(IEnumerable<Tensor> parameters, double normType = 2.0)
    {
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        return HostValue.Read(GradNorm.TotalNorm(set, normType));
    }
}
