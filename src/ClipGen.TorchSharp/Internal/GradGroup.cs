using System.Collections.Generic;
using static TorchSharp.torch;

namespace ClipGen.Internal;

/// <summary>
/// The gradients of one (device, dtype), as PyTorch's <c>_group_tensors_by_device_and_dtype</c> groups them for its
/// foreach kernels. Built while the gradients are collected, so each gradient is probed once.
/// </summary>
internal sealed class GradGroup
{
    private GradGroup((ScalarType DType, int DeviceType, int DeviceIndex) kind) => Kind = kind;

    public (ScalarType DType, int DeviceType, int DeviceIndex) Kind { get; }

    public ScalarType DType => Kind.DType;

    public List<Tensor> Grads { get; } = new();

    /// <summary>Their element count.</summary>
    public long Numel { get; private set; }

    /// <summary>Whether one of them is 0-dim (the chunked norm's <c>_chunk_cat</c> rejects those).</summary>
    public bool AnyScalar { get; private set; }

    /// <summary>Whether one of them has no element (the foreach kernels reject those).</summary>
    public bool AnyEmpty { get; private set; }

    /// <summary>Whether one of them is sparse (COO): normed and scaled one tensor at a time.</summary>
    public bool AnySparse { get; private set; }

    /// <summary>
    /// Whether the group takes <see cref="ForeachKernels"/> (one native call for the norm, one for the scaling):
    /// dense, non-empty float32/float64. float16/bfloat16 are normed in float64, one tensor at a time.
    /// </summary>
    public bool UsesForeach => DType is ScalarType.Float32 or ScalarType.Float64 && !AnyEmpty && !AnySparse;

    /// <summary>Adds <paramref name="grad"/> to its group in <paramref name="groups"/> (probing it once).</summary>
    public static void Add(List<GradGroup> groups, Tensor grad)
    {
        var kind = NativeProbes.Kind(grad);
        GradGroup? group = null;
        foreach (GradGroup g in groups)
        {
            if (g.Kind == kind)
            {
                group = g;
                break;
            }
        }

        if (group is null)
        {
            group = new GradGroup(kind);
            groups.Add(group);
        }

        long n = NativeProbes.Numel(grad);
        group.Grads.Add(grad);
        group.Numel += n;
        group.AnyEmpty |= n == 0;
        group.AnyScalar |= n == 1 && NativeProbes.Rank(grad) == 0;
        group.AnySparse |= NativeProbes.IsSparse(grad);
    }

    /// <summary>Groups a gradient list.</summary>
    public static List<GradGroup> Of(IReadOnlyList<Tensor> grads)
    {
        var groups = new List<GradGroup>(1);
        foreach (Tensor g in grads) Add(groups, g);
        return groups;
    }
}
