using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>
    /// A shard's contribution to a global gradient norm, for training across devices or processes (TorchSharp has no
    /// <c>torch.distributed</c>; reduce the values yourself): <c>Σᵢ ‖gᵢ‖ₚᵖ</c> over this shard's non-null gradients,
    /// or <c>maxᵢ ‖gᵢ‖∞</c> for p = ∞. Sum the shards' values (max for p = ∞), pass them to
    /// <see cref="TotalNormFromPowerSums"/> and clip each shard with
    /// <see cref="ClipGradsWithNorm(IEnumerable{Tensor}, double, Tensor)"/>.
    /// </summary>
    /// <param name="parameters">This shard's parameters.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>.</param>
    /// <returns>A 0-dim float64 tensor on the first gradient's device (CPU 0 when none), in the caller's DisposeScope. No host sync.</returns>
    public static Tensor GetNormPowerSum(IEnumerable<Tensor> parameters, double normType = 2.0)
    {
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters);
        return GradNorm.PowerSum(GradNorm.TotalNorm(set, normType), normType).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The global norm from the shards' <see cref="GetNormPowerSum"/> values: <c>(Σₛ powerSumₛ)^(1/p)</c>, or
    /// <c>maxₛ powerSumₛ</c> for p = ∞. Equals <c>‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over all shards' gradients.
    /// </summary>
    /// <param name="powerSums">One one-element tensor per shard (any device: moved to the first one's).</param>
    /// <param name="normType">p: the same p the power sums were taken with.</param>
    /// <returns>A 0-dim float64 tensor on the first power sum's device, in the caller's DisposeScope. No host sync.</returns>
    public static Tensor TotalNormFromPowerSums(IEnumerable<Tensor> powerSums, double normType = 2.0)
    {
        if (powerSums is null) throw new System.ArgumentNullException(nameof(powerSums));
        Check.NormType(normType);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var list = new List<Tensor>();
        int i = 0;
        foreach (Tensor s in powerSums)
        {
            if (s is null) throw new System.ArgumentException($"powerSums[{i}] is null.", nameof(powerSums));
            if (s.numel() != 1) throw new System.ArgumentException($"powerSums[{i}] must have exactly one element (got shape {GradSet.Shape(s.shape)}).", nameof(powerSums));
            Tensor v = s.reshape(System.Array.Empty<long>()).to_type(ScalarType.Float64);
            list.Add(list.Count == 0 || GradNorm.SameDevice(v, list[0]) ? v : v.to(list[0].device));
            i++;
        }

        if (list.Count == 0) return zeros(System.Array.Empty<long>(), ScalarType.Float64).MoveToOuterDisposeScope();
        Tensor all = stack(list);
        Tensor total = double.IsPositiveInfinity(normType) ? all.max() : all.sum().pow(1.0 / normType);
        return total.MoveToOuterDisposeScope();
    }
}
