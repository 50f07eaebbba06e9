using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// The two halves of norm clipping, PyTorch's <c>get_total_norm</c> and <c>clip_grads_with_norm_</c>, on gradients
/// grouped by (device, dtype). Callers run these under <c>no_grad</c> inside their own DisposeScope.
/// </summary>
/// <remarks>
/// Each group takes <see cref="ForeachKernels"/> (dense float32/float64: one native call for the norm and one for the
/// multiply) or the per-tensor path below (float16/bfloat16, sparse, empty tensors). Precision: per-tensor norms are
/// computed by libtorch in the gradient's dtype for float32/float64 (as PyTorch), on a float64 copy for
/// float16/bfloat16 (whose norm easily overflows or rounds badly); norms are combined in float64, so the total is at
/// least as accurate as PyTorch's float32 total. Groups on several devices are combined on the first group's device,
/// and the coefficient is moved to each group's device, as PyTorch does.
/// </remarks>
internal static class GradNorm
{
    /// <summary><c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> (p = ∞: <c>max |g|</c>) as a float64 scalar; 0 on the CPU when there are no gradients.</summary>
    internal static Tensor TotalNorm(GradSet set, double normType) => TotalNorm(set.Groups, normType);

    /// <inheritdoc cref="TotalNorm(GradSet, double)"/>
    internal static Tensor TotalNorm(IReadOnlyList<Tensor> grads, double normType) => TotalNorm(GradGroup.Of(grads), normType);

    /// <inheritdoc cref="TotalNorm(GradSet, double)"/>
    internal static Tensor TotalNorm(IReadOnlyList<GradGroup> groups, double normType)
    {
        if (groups.Count == 0) return zeros(System.Array.Empty<long>(), ScalarType.Float64);
        if (groups.Count == 1) return GroupNorm(groups[0], normType);
        var norms = new Tensor[groups.Count];
        Tensor first = groups[0].Grads[0];
        for (int i = 0; i < norms.Length; i++)
        {
            Tensor n = GroupNorm(groups[i], normType);
            norms[i] = SameDevice(n, first) ? n : n.to(first.device);
        }

        return linalg.vector_norm(stack(norms), normType);
    }

    /// <summary>The per-tensor p-norms <c>‖gᵢ‖ₚ</c> as a float64 vector on the first gradient's device.</summary>
    internal static Tensor PerTensorNorms(IReadOnlyList<Tensor> grads, double normType)
    {
        if (grads.Count == 0) return zeros(0, ScalarType.Float64);
        Tensor first = grads[0];
        var norms = new Tensor[grads.Count];
        bool uniform = true;
        for (int i = 0; i < grads.Count; i++)
        {
            Tensor n = OneNorm(grads[i], normType);
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

    /// <summary>The p-norm of a vector of per-tensor norms.</summary>
    internal static Tensor FromPerTensor(Tensor perTensorNorms, double normType) =>
        linalg.vector_norm(perTensorNorms, normType);

    /// <summary>
    /// The p-th power of the p-norm, <c>Σᵢ ‖gᵢ‖ₚᵖ</c> (p = ∞: <c>max |g|</c>), float64: what a shard contributes to a
    /// global norm (<c>total = (Σ over shards)^(1/p)</c>, or the max over shards for p = ∞).
    /// </summary>
    internal static Tensor PowerSum(Tensor norm, double normType) =>
        double.IsPositiveInfinity(normType) ? norm : norm.pow(normType);

    /// <summary>
    /// PyTorch's coefficient <c>min(maxNorm / (total + ε), 1)</c> with ε = <see cref="GradClip.Epsilon"/>, evaluated as
    /// PyTorch does (reciprocal, then multiply) and clamped; float64, on total's device. NaN total → NaN; +∞ → 0.
    /// </summary>
    internal static Tensor Coefficient(Tensor total, double maxNorm)
    {
        Tensor t = total.dtype == ScalarType.Float64 ? total : total.to_type(ScalarType.Float64);
        return t.add(GradClip.Epsilon).reciprocal_().mul_(maxNorm).clamp_max_(1.0);
    }

    /// <summary>Host mirror of the tensor coefficient above: the same float64 operations, so the same value.</summary>
    internal static double Coefficient(double total, double maxNorm) => System.Math.Min(maxNorm * (1.0 / (total + GradClip.Epsilon)), 1.0);

    /// <summary><c>gᵢ ← gᵢ · coef</c> for every gradient; <paramref name="coef"/> is a 0-dim tensor (any device).</summary>
    internal static void ScaleInPlace(IReadOnlyList<GradGroup> groups, Tensor coef)
    {
        foreach (GradGroup group in groups)
        {
            Tensor first = group.Grads[0];
            Tensor c = SameDevice(coef, first) ? coef : coef.to(first.device);
            // The multiply reads a CPU scalar as the op's compute type (float for float32/float16/bfloat16, double
            // for float64), so a float32 coefficient gives the bits of a Scalar multiply; a coefficient of another
            // dtype than a float32 list's makes libtorch promote per tensor (~10 µs each instead of ~1).
            c = c.to_type(CoefficientType(group.DType));
            if (group.UsesForeach)
            {
                ForeachKernels.ScaleInPlace(group.Grads, c);
                continue;
            }

            foreach (Tensor g in group.Grads) g.mul_(c);
        }
    }

    /// <summary><c>gᵢ ← gᵢ · coef</c> with a host coefficient (the same double the tensor path computes, so the same bits).</summary>
    internal static void ScaleInPlace(IReadOnlyList<GradGroup> groups, double coef)
    {
        foreach (GradGroup group in groups)
        {
            if (group.UsesForeach)
            {
                ForeachKernels.ScaleInPlace(group.Grads, tensor(coef, CoefficientType(group.DType), group.Grads[0].device));
                continue;
            }

            if (IsReducedPrecision(group.DType))
            {
                // A Scalar multiply rounds the coefficient to float16/bfloat16 first; a float32 0-dim tensor is read
                // as float (the kernel's compute type), which is what the tensor-coefficient (split) path does.
                Tensor c32 = tensor(coef, ScalarType.Float32, group.Grads[0].device);
                foreach (Tensor g in group.Grads) g.mul_(c32);
                continue;
            }

            // One native Scalar for the group: an implicit double → Scalar per call costs more than a small multiply.
            using global::TorchSharp.Scalar c = (global::TorchSharp.Scalar)coef;
            foreach (Tensor g in group.Grads) g.mul_(c);
        }
    }

    /// <summary>Whether every group is on the CPU, where reading a value to the host costs no device sync.</summary>
    internal static bool AllOnCpu(IReadOnlyList<GradGroup> groups)
    {
        foreach (GradGroup g in groups)
        {
            if (g.Kind.DeviceType != (int)global::TorchSharp.DeviceType.CPU) return false;
        }

        return true;
    }

    internal static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

    internal static bool IsReducedPrecision(ScalarType t) => t is ScalarType.Float16 or ScalarType.BFloat16;

    internal static ScalarType CoefficientType(ScalarType gradType) => gradType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>One group's total norm, float64 on its device.</summary>
    private static Tensor GroupNorm(GradGroup group, double normType) =>
        group.UsesForeach
            ? ForeachKernels.TotalNorm(group.Grads, group.Numel, group.AnyScalar, normType)
            : FromPerTensor(PerTensorNorms(group.Grads, normType), normType);

    /// <summary>
    /// ‖g‖ₚ of one tensor: float16/bfloat16 on a float64 copy; a sparse tensor on its dense form (its values may hold
    /// duplicates that only the dense sum resolves, and libtorch's vector_norm has no sparse kernel).
    /// </summary>
    private static Tensor OneNorm(Tensor g, double normType)
    {
        Tensor source = NativeProbes.IsSparse(g) ? g.to_dense() : g;
        if (IsReducedPrecision(source.dtype)) source = source.to_type(ScalarType.Float64);
        return linalg.vector_norm(source, normType);
    }
}
