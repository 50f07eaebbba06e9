using static TorchSharp.torch;

namespace ClipGen;

/// <summary>One contiguous gradient tensor for the parameters of one (device, dtype).</summary>
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

        Flat = zeros(total, dtype: first.dtype, device: first.device);
        var slots = new GradientBufferSlot[parameters.Count];
        long offset = 0;
        for (int i = 0; i < parameters.Count; i++)
        {
            (int index, Tensor p) = parameters[i];
            long n = p.numel();
            Tensor view;
            using (Tensor region = Flat.narrow(0, offset, n))
            {
                view = region.view(p.shape);
            }

            slots[i] = new GradientBufferSlot(index, p, offset, n, view);
            slots[i].Vacant = !Adopt(slots[i]);
            offset += n;
        }

        Slots = slots;
    }

    public Tensor Flat { get; }

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

        if (LibTorchSharpProbe.Impl(grad) != slot.ViewImpl)
        {
            using (no_grad())
            {
                slot.View.copy_(grad);
            }

            slot.Parameter.grad = slot.View;
        }

        return true;
    }

    /// <summary>Whether a foreign grad can be copied into the slot without changing what it means.</summary>
    public static bool CanAdopt(GradientBufferSlot slot)
    {
        using Tensor? grad = slot.Parameter.grad;
        return grad is not null
            && !grad.requires_grad
            && grad.numel() == slot.Count
            && grad.dtype == slot.View.dtype
            && grad.device_type == slot.View.device_type
            && grad.device_index == slot.View.device_index
            && !grad.is_sparse;
    }

    public void Dispose()
    {
        foreach (GradientBufferSlot slot in Slots)
        {
            slot.View.Dispose();
        }

        Flat.Dispose();
    }
}
