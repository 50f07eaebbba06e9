using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Stand-in for the runtime's GradClip (same signatures, PyTorch's formulas, no fast paths), compiled
/// only while src/ClipGen.TorchSharp/GradClip.cs does not exist.
/// </summary>
public static class GradClip
{
    /// <summary>coef = min(maxNorm / (total + 1e-6), 1), total = ‖(‖g₁‖ₚ, …)‖ₚ.</summary>
    public static ClipResult ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        using var scope = NewDisposeScope();
        var grads = parameters.Select(p => p.grad).Where(g => g is not null).Select(g => g!).ToList();
        if (grads.Count == 0)
        {
            return new ClipResult(0, 1, false, false, false);
        }

        double total = linalg.vector_norm(stack(grads.Select(g => linalg.vector_norm(g, normType)).ToArray()), normType).ToDouble();
        bool finite = double.IsFinite(total);
        if (!finite && nonFinite == NonFinitePolicy.Throw)
        {
            throw new InvalidOperationException("non-finite gradient norm");
        }

        if (!finite && nonFinite == NonFinitePolicy.SkipStep)
        {
            return new ClipResult(total, 1, false, true, true);
        }

        double coef = Math.Min(maxNorm / (total + 1e-6), 1.0);
        if (coef < 1.0 || !finite)
        {
            using (no_grad())
            {
                foreach (Tensor g in grads)
                {
                    g.mul_(coef);
                }
            }
        }

        return new ClipResult(total, coef, coef < 1.0 || !finite, !finite, false);
    }

    /// <summary>Clamps every entry to [-clipValue, clipValue].</summary>
    public static ClipResult ClipGradValue(IEnumerable<Tensor> parameters, double clipValue, NonFinitePolicy nonFinite)
    {
        using var scope = NewDisposeScope();
        foreach (Tensor? g in parameters.Select(p => p.grad))
        {
            g?.clamp_((Scalar)(-clipValue), (Scalar)clipValue);
        }

        return new ClipResult(double.NaN, 1, true, false, false);
    }

    /// <summary>Not needed by the behaviour tests.</summary>
    public static ClipResult AdaptiveClipGrad(IEnumerable<Tensor> parameters, double clipFactor, double eps, NonFinitePolicy nonFinite) =>
        throw new NotSupportedException("stub");
}
