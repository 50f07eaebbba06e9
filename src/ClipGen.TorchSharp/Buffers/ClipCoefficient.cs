using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// PyTorch's clip coefficient <c>min(max_norm / (total + 1e-6), 1)</c>, evaluated in the gradients' dtype
/// the way <c>clip_grad.py</c> evaluates it on tensors: <c>reciprocal(total + 1e-6) · max_norm</c>,
/// then clamped to at most 1 (NaN stays NaN).
/// </summary>
internal static class ClipCoefficient
{
    /// <summary>
    /// Computes the coefficient on the host, bit-identical to the tensor formula, for float32 and float64.
    /// Only valid where reading the total is free (CPU tensors).
    /// </summary>
    public static bool TryOnHost(ScalarType dtype, double total, double maxNorm, out double coefficient)
    {
        switch (dtype)
        {
            case ScalarType.Float32:
                float t = (float)total;
                float c = 1f / (t + 1e-6f) * (float)maxNorm;
                coefficient = float.IsNaN(c) ? c : MathF.Min(c, 1f);
                return true;
            case ScalarType.Float64:
                double d = 1.0 / (total + 1e-6) * maxNorm;
                coefficient = double.IsNaN(d) ? d : Math.Min(d, 1.0);
                return true;
            default:
                coefficient = double.NaN;
                return false;
        }
    }

    /// <summary>The coefficient as a 0-dim tensor on the total's device (no host sync).</summary>
    public static Tensor OnDevice(Tensor total, double maxNorm)
    {
        Tensor coef = total.add(1e-6);
        return coef.reciprocal_().mul_(maxNorm).clamp_max_(1.0);
    }
}
