using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// The two halves of norm clipping, each in one place so a faster path (a flat gradient buffer) can replace
/// them: the total norm, and the in-place scaling. Callers run these under <c>no_grad</c> inside their own
/// DisposeScope.
/// </summary>
/// <remarks>
/// Uniform float32/float64 gradient lists (one device, one dtype) go through <see cref="ForeachKernels"/>: one
/// native call for the norm and one for the multiply instead of one per tensor (TorchSharp has no foreach
/// bindings); the per-tensor code below is the general path and the reference.
/// Precision: each per-tensor norm is computed by libtorch in the gradient's dtype (as PyTorch does) for
/// float32/float64, and on a float64 copy for float16/bfloat16 (whose norm easily overflows or rounds badly).
/// The per-tensor norms are then combined in float64, so the total is at least as accurate as PyTorch's
/// float32 total (they agree to float32 rounding). Mixed devices are handled like PyTorch: per-tensor norms are
/// moved to the first gradient's device, and the coefficient to each gradient's device.
/// </remarks>
internal static class GradNorm
{
    /// <summary>The per-tensor p-norms <c>‖gᵢ‖ₚ</c> as a float64 vector on the first gradient's device.</summary>
    internal static Tensor PerTensorNorms(IReadOnlyList<Tensor> grads, double normType)
    {
        if (grads.Count == 0) return zeros(0, ScalarType.Float64);
        Tensor first = grads[0];
        var norms = new Tensor[grads.Count];
        bool uniform = true;
        for (int i = 0; i < grads.Count; i++)
        {
            Tensor g = grads[i];
            Tensor source = IsReducedPrecision(g.dtype) ? g.to_type(ScalarType.Float64) : g;
            Tensor n = linalg.vector_norm(source, normType);
            if (!SameDevice(n, first)) n = n.to(first.device);
            norms[i] = n;
            uniform &= i == 0 || n.dtype == norms[0].dtype;
        }

        // One conversion for the common case (all float32); per tensor only when dtypes are mixed.
        if (!uniform)
        {
            for (int i = 0; i < norms.Length; i++)
                if (norms[i].dtype != ScalarType.Float64) norms[i] = norms[i].to_type(ScalarType.Float64);
        }

        Tensor stacked = stack(norms);
        return stacked.dtype == ScalarType.Float64 ? stacked : stacked.to_type(ScalarType.Float64);
    }

    /// <summary><c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> (p = ∞: <c>max |g|</c>) as a float64 scalar; 0 when there are no gradients.</summary>
    internal static Tensor TotalNorm(IReadOnlyList<Tensor> grads, double normType)
    {
        if (grads.Count == 0) return zeros(System.Array.Empty<long>(), ScalarType.Float64);
        // One native call for the whole list when the gradients are uniform (see ForeachKernels for the numbers).
        if (ForeachKernels.Applicable(grads, out long numel, out bool anyScalar)) return ForeachKernels.TotalNorm(grads, numel, anyScalar, normType);
        return FromPerTensor(PerTensorNorms(grads, normType), normType);
    }

    /// <summary>The p-norm of a vector of per-tensor norms.</summary>
    internal static Tensor FromPerTensor(Tensor perTensorNorms, double normType) =>
        linalg.vector_norm(perTensorNorms, normType);

    /// <summary>
    /// PyTorch's coefficient <c>min(maxNorm / (total + 1e-6), 1)</c>, computed as PyTorch evaluates
    /// <c>max_norm / (total + 1e-6)</c> (reciprocal, then multiply) and clamped; float64, on total's device.
    /// NaN total → NaN; +∞ total → 0.
    /// </summary>
    internal static Tensor Coefficient(Tensor total, double maxNorm)
    {
        Tensor t = total.dtype == ScalarType.Float64 ? total : total.to_type(ScalarType.Float64);
        return t.add(1e-6).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
    }

    /// <summary>Host mirror of the tensor coefficient above, for reporting (no device sync).</summary>
    internal static double Coefficient(double total, double maxNorm) => System.Math.Min(maxNorm * (1.0 / (total + 1e-6)), 1.0);

    /// <summary>
    /// <c>gᵢ ← gᵢ · coef</c> for every gradient, always multiplying (as PyTorch, so no host sync is needed);
    /// <paramref name="coef"/> is a scalar tensor, moved to each gradient's device once.
    /// </summary>
    internal static void ScaleInPlace(IReadOnlyList<Tensor> grads, Tensor coef)
    {
        if (ForeachKernels.Applicable(grads, out _) && SameDevice(grads[0], coef))
        {
            ForeachKernels.ScaleInPlace(grads, coef.dim() == 0 ? coef : coef.reshape(System.Array.Empty<long>()));
            return;
        }

        Tensor? onDevice = null;
        foreach (Tensor g in grads)
        {
            Tensor c = coef;
            if (!SameDevice(g, coef))
            {
                onDevice = onDevice is not null && SameDevice(onDevice, g) ? onDevice : coef.to(g.device);
                c = onDevice;
            }

            g.mul_(c);
        }
    }

    /// <summary>Whether every tensor is on the CPU, where reading a value to the host costs no device sync.</summary>
    internal static bool AllOnCpu(IReadOnlyList<Tensor> tensors)
    {
        foreach (Tensor t in tensors)
        {
            if (LibTorchSharpProbe.Kind(t).DeviceType != (int)global::TorchSharp.DeviceType.CPU) return false;
        }

        return true;
    }

    /// <summary><c>gᵢ ← gᵢ · coef</c> with a host coefficient (the same double the tensor path computes, so the same bits).</summary>
    internal static void ScaleInPlace(IReadOnlyList<Tensor> grads, double coef)
    {
        if (ForeachKernels.Applicable(grads, out _))
        {
            ForeachKernels.ScaleInPlace(grads, tensor(coef, ScalarType.Float64, grads[0].device));
            return;
        }

        // One native Scalar for all tensors: an implicit double → Scalar per call costs more than a small multiply.
        using global::TorchSharp.Scalar c = (global::TorchSharp.Scalar)coef;
        foreach (Tensor g in grads) g.mul_(c);
    }

    internal static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

    internal static bool IsReducedPrecision(ScalarType t) => t is ScalarType.Float16 or ScalarType.BFloat16;
}
