using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// The per-tensor clipping the buffer falls back to when its views were broken:
/// <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null grads, then every grad times the coefficient.
/// </summary>
internal static class PerTensorClip
{
    public static Tensor? TotalNorm(IReadOnlyList<Tensor> grads, double normType)
    {
        if (grads.Count == 0)
        {
            return null;
        }

        var norms = new Tensor[grads.Count];
        try
        {
            for (int i = 0; i < grads.Count; i++)
            {
                norms[i] = linalg.vector_norm(grads[i], normType);
            }

            using Tensor stacked = stack(norms);
            return linalg.vector_norm(stacked, normType);
        }
        finally
        {
            foreach (Tensor? n in norms)
            {
                n?.Dispose();
            }
        }
    }

    public static void Scale(IReadOnlyList<Tensor> grads, Tensor coefficient)
    {
        using (no_grad())
        {
            foreach (Tensor g in grads)
            {
                g.mul_(coefficient);
            }
        }
    }
}
