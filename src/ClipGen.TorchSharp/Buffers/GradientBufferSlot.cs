using ClipGen.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>One parameter's place in a <see cref="GradientBufferSegment"/>: <c>flat[Offset, Offset + Count)</c>.</summary>
internal sealed class GradientBufferSlot
{
    private IntPtr _viewImpl;

    public GradientBufferSlot(int index, Tensor parameter, long offset, long count, Tensor view)
    {
        Index = index;
        Parameter = parameter;
        Offset = offset;
        Count = count;
        View = view;
        Shape = view.shape;
    }

    /// <summary>The parameter's position in the buffer's parameter list.</summary>
    public int Index { get; }

    public Tensor Parameter { get; }

    public long Offset { get; }

    public long Count { get; }

    /// <summary>
    /// Our own wrapper of the view (detached from every DisposeScope). Holding it keeps its impl alive, so no other
    /// tensor can be allocated at the same impl address while the buffer lives: an address match is an identity match.
    /// </summary>
    public Tensor View { get; }

    /// <summary>The parameter's shape when the buffer was attached (the view's): a parameter of another shape since was resized.</summary>
    public long[] Shape { get; }

    /// <summary>Whether the grad was null when last checked and the region was zeroed for it.</summary>
    public bool Vacant { get; set; }

    /// <summary>Which tensor the parameter's grad is now: this slot's view, none, or another tensor.</summary>
    public GradState State()
    {
        if (NativeProbes.Enabled)
        {
            IntPtr impl = NativeProbes.GradImpl(Parameter);
            if (impl == IntPtr.Zero) return GradState.Null;
            if (_viewImpl == IntPtr.Zero) _viewImpl = NativeProbes.Impl(View);
            return impl == _viewImpl ? GradState.Ours : GradState.Foreign;
        }

        using DisposeScope scope = NewDisposeScope(); // the grad wrapper and the storages' tensors
        Tensor? grad = Parameter.grad;
        if (grad is null) return GradState.Null;
        return SameMemory(grad, View) ? GradState.Ours : GradState.Foreign;
    }

    /// <summary>
    /// Public-API identity for when the probes are off: same dtype, device, shape, contiguity, storage and offset
    /// means every write to <paramref name="grad"/> lands in the view's memory, which is all the buffer needs.
    /// Dtypes other than float32/float64 answer false (the grad is then copied in again: slower, same numbers).
    /// </summary>
    private static bool SameMemory(Tensor grad, Tensor view)
    {
        if (grad.dtype != view.dtype || grad.device_type != view.device_type || grad.device_index != view.device_index
            || grad.is_sparse || !grad.is_contiguous() || grad.storage_offset() != view.storage_offset()
            || !grad.shape.AsSpan().SequenceEqual(view.shape))
        {
            return false;
        }

        return grad.dtype switch
        {
            ScalarType.Float32 => SameStorage<float>(grad, view),
            ScalarType.Float64 => SameStorage<double>(grad, view),
            _ => false,
        };
    }

    private static bool SameStorage<T>(Tensor a, Tensor b)
        where T : unmanaged
    {
        using var sa = a.storage<T>();
        using var sb = b.storage<T>();
        return sa.data_ptr() == sb.data_ptr();
    }
}

/// <summary>What a parameter's grad is, relative to its buffer slot.</summary>
internal enum GradState
{
    /// <summary>The slot's view: backward and zero_grad write into the flat tensor.</summary>
    Ours,

    /// <summary>No grad.</summary>
    Null,

    /// <summary>Another tensor (assigned by the user, re-created by backward, or with autograd history).</summary>
    Foreign,
}
