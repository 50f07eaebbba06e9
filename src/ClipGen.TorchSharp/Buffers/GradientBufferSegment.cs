using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>One contiguous gradient tensor for the parameters of one (device, dtype).</summary>
/// <remarks>
/// The flat tensor is padded with zeros to a multiple of <see cref="ForeachKernels.Chunk"/> so the norm can be taken
/// row by row (<see cref="Rows"/>, one libtorch reduction of ~1k elements per row, rows combined in float64): one
/// reduction over 10⁸ floats drifts by 1e-2 relative, rows stay at float32 rounding. The padding is never scaled
/// (<see cref="Data"/> excludes it), so a NaN coefficient cannot poison it.
/// </remarks>
internal sealed class GradientBufferSegment : IDisposable
{
    public GradientBufferSegment(IReadOnlyList<(int Index, Tensor Parameter)> parameters)
    {
        Tensor first = parameters[0].Parameter;
        long total = 0;
        foreach ((_, Tensor p) in parameters)
        {
            total += p.numel();
        }

        long padded = Math.Max(1, (total + ForeachKernels.Chunk - 1) / ForeachKernels.Chunk) * ForeachKernels.Chunk;
        Flat = zeros(padded, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        Data = Flat.narrow(0, 0, total).DetachFromDisposeScope();
        Rows = Flat.view(-1, ForeachKernels.Chunk).DetachFromDisposeScope();
        var slots = new GradientBufferSlot[parameters.Count];
        long offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            (int index, Tensor p) = parameters[i];
            long n = p.numel();
            Tensor view;
            using (Tensor region = Flat.narrow(0, offset, n))
            {
                view = region.view(p.shape).DetachFromDisposeScope();
            }

            slots[i] = new GradientBufferSlot(index, p, offset, n, view);
            slots[i].Vacant = !Adopt(slots[i]);
            offset += n;
        }

        Slots = slots;
        ElementCount = total;
    }

    /// <summary>The whole allocation, padding included.</summary>
    public Tensor Flat { get; }

    /// <summary>The gradients' elements (no padding): what is scaled.</summary>
    public Tensor Data { get; }

    /// <summary><see cref="Flat"/> as rows of <see cref="ForeachKernels.Chunk"/> elements: what is normed.</summary>
    public Tensor Rows { get; }

    public long ElementCount { get; }

    public IReadOnlyList<GradientBufferSlot> Slots { get; }

    /// <summary>
    /// Makes the slot's view the parameter's grad, carrying over the current grad's values.
    /// Returns false (and changes nothing) when the grad is null: null grads stay null, as PyTorch's
    /// clipping never creates them.
    /// </summary>
    public static bool Adopt(GradientBufferSlot slot)
    {
        using Tensor? grad = slot.Parameter.grad;
        if (grad is null)
        {
            return false;
        }

        using (no_grad())
        {
            slot.View.copy_(grad);
        }

        slot.Parameter.grad = slot.View;
        return true;
    }

    /// <summary>
    /// Whether a foreign grad can be copied into the slot without changing what it means: no autograd history,
    /// dense, the parameter's exact shape, the slot's dtype and device.
    /// </summary>
    public static bool CanAdopt(GradientBufferSlot slot)
    {
        using Tensor? grad = slot.Parameter.grad;
        return grad is not null
            && !grad.requires_grad
            && !NativeProbes.IsSparse(grad)
            && NativeProbes.Kind(grad) == NativeProbes.Kind(slot.View)
            && NativeProbes.SameShape(grad, slot.View);
    }

    /// <summary>
    /// Gives every parameter whose grad is still a view of this segment an ordinary tensor with the same values
    /// (so any optimizer, LBFGS included, can detach or replace it), then frees the flat tensor.
    /// </summary>
    public void Dispose()
    {
        foreach (GradientBufferSlot slot in Slots)
        {
            if (!slot.Parameter.IsInvalid && slot.State() == GradState.Ours)
            {
                using Tensor copy = slot.View.clone();
                slot.Parameter.grad = copy;
            }

            slot.View.Dispose();
        }

        Rows.Dispose();
        Data.Dispose();
        Flat.Dispose();
    }
}
