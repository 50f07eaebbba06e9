using System;

namespace ClipGen;

/// <summary>
/// Generates a train step that clips the gradients by their total norm, as PyTorch's
/// <c>torch.nn.utils.clip_grad_norm_</c>: <c>coef = min(maxNorm / (total + 1e-6), 1)</c> with
/// <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c>, through <c>GradClip.ClipGradNorm</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ClipGradNormAttribute : TrainStepAttribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="maxNorm">
    /// The largest total gradient norm allowed; finite and ≥ 0 (else CG1005). 0 is accepted and zeroes every gradient,
    /// as PyTorch does: no learning, so the build warns (CG0006).
    /// </param>
    public ClipGradNormAttribute(double maxNorm) => MaxNorm = maxNorm;

    /// <summary>The largest total gradient norm allowed.</summary>
    public double MaxNorm { get; }

    /// <summary>The p of the p-norm: any p &gt; 0, or <see cref="double.PositiveInfinity"/> for the max-norm. Default 2.</summary>
    public double NormType { get; set; } = 2.0;
}
