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
    /// <param name="maxNorm">The largest total gradient norm allowed; must be ≥ 0 and not NaN.</param>
    public ClipGradNormAttribute(double maxNorm) => MaxNorm = maxNorm;

    /// <summary>The largest total gradient norm allowed.</summary>
    public double MaxNorm { get; }

    /// <summary>The p of the p-norm: any p &gt; 0, or <see cref="double.PositiveInfinity"/> for the max-norm. Default 2.</summary>
    public double NormType { get; set; } = 2.0;

    /// <summary>
    /// Whether the step keeps the gradients in one flat <see cref="GradientBuffer"/> (attached to the model's
    /// parameters and the optimizer on the first optimizer step) and clips through it: two or three kernels
    /// instead of a norm and a multiply per parameter. Default true. Where the buffer refuses (LBFGS, sparse
    /// gradients) the step clips tensor by tensor; when the model's parameters or the optimizer object change it
    /// attaches again; grads that user code replaces or nulls are handled by the buffer. The numbers are
    /// PyTorch's formula either way; the flat norm sums in another order, so the total can differ from the
    /// per-tensor path in its last bits. Set false to clip with <c>GradClip.ClipGradNorm(model.parameters(), …)</c>.
    /// Instance steps of structs always clip tensor by tensor (the buffer lives in a field of the trainer, which a
    /// struct copies).
    /// </summary>
    public bool FlatGradients { get; set; } = true;
}
