using System.Collections.Generic;
using System.Linq;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>
    /// TensorFlow's <c>tf.clip_by_global_norm</c>, functional: returns new tensors
    /// <c>tᵢ · clipNorm / max(globalNorm, clipNorm)</c> with <c>globalNorm = √(Σ ‖tᵢ‖₂²)</c>; the inputs are not modified.
    /// Unlike <see cref="ClipGradNorm(IEnumerable{Tensor}, double, double, bool)"/> there is no 1e-6 in the denominator
    /// (TF/Keras/optax convention), and when <c>globalNorm</c> is NaN or infinite every output is NaN, as in TF.
    /// </summary>
    /// <param name="tensors">The tensors to clip; null entries stay null in the output.</param>
    /// <param name="clipNorm">The largest global norm allowed; ≥ 0 and not NaN (0 gives zeros).</param>
    /// <returns>
    /// The clipped tensors (new tensors in the caller's DisposeScope, same dtypes and devices) and the global norm
    /// before clipping (computed in float64).
    /// </returns>
    public static (IReadOnlyList<Tensor?> Clipped, double GlobalNorm) ClipByGlobalNorm(IReadOnlyList<Tensor?> tensors, double clipNorm)
    {
        if (tensors is null) throw new System.ArgumentNullException(nameof(tensors));
        Check.MaxNorm(clipNorm, nameof(clipNorm));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        List<Tensor> present = tensors.Where(t => t is not null).Select(t => t!).ToList();
        double global = GradNorm.TotalNorm(present, 2.0).item<double>();

        // scale = clipNorm / max(global, clipNorm); a zero denominator only happens with all-zero inputs and clipNorm 0.
        double denominator = System.Math.Max(global, clipNorm);
        double scale = !double.IsFinite(global) ? double.NaN : denominator == 0 ? 1.0 : clipNorm / denominator;
        var result = new Tensor?[tensors.Count];
        for (int i = 0; i < tensors.Count; i++)
        {
            Tensor? t = tensors[i];
            result[i] = t is null ? null : t.detach().mul(scale).MoveToOuterDisposeScope();
        }

        return (result, global);
    }
}
