using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

public static partial class GradClip
{
    /// <summary>
    /// Clamps every gradient element to <c>[-clipValue, clipValue]</c> in place (PyTorch <c>clip_grad_value_</c>):
    /// NaN stays NaN, +∞ becomes <c>clipValue</c>, −∞ becomes <c>-clipValue</c>. No device sync.
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clamped.</param>
    /// <param name="clipValue">The largest magnitude allowed; ≥ 0 and not NaN.</param>
    public static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue) =>
        ClipGradValue(parameters, clipValue, names: null);

    internal static void ClipGradValue(IEnumerable<Tensor> parameters, double clipValue, IReadOnlyList<string>? names)
    {
        Check.ClipValue(clipValue);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, names);
        foreach (Tensor g in set.Grads) g.clamp_(-clipValue, clipValue);
    }

    /// <summary>
    /// <see cref="ClipGradValue(IEnumerable{Tensor}, double)"/> with a policy: clamps to <c>[-clipValue, clipValue]</c>
    /// unless the L2 total norm of the gradients is NaN or infinite and the policy is
    /// <see cref="NonFinitePolicy.Throw"/> or <see cref="NonFinitePolicy.SkipStep"/> (gradients then unchanged).
    /// </summary>
    /// <param name="parameters">The tensors whose gradients are clamped.</param>
    /// <param name="clipValue">The largest magnitude allowed; ≥ 0 and not NaN.</param>
    /// <param name="nonFinite">What to do when a gradient holds NaN or ±∞.</param>
    /// <returns>
    /// <see cref="ClipResult.TotalNorm"/> is the L2 total norm before clamping, <see cref="ClipResult.Coefficient"/> 1,
    /// <see cref="ClipResult.Clipped"/> whether some <c>|g| &gt; clipValue</c> (or NaN).
    /// </returns>
    public static ClipResult ClipGradValue(IEnumerable<Tensor> parameters, double clipValue, NonFinitePolicy nonFinite) =>
        ClipGradValue(parameters, clipValue, nonFinite, names: null);

    internal static ClipResult ClipGradValue(IEnumerable<Tensor> parameters, double clipValue, NonFinitePolicy nonFinite, IReadOnlyList<string>? names)
    {
        Check.ClipValue(clipValue);
        Check.Policy(nonFinite);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        GradSet set = GradSet.Collect(parameters, names);
        if (set.Count == 0) return ClipResult.None;

        // One host read for both the L2 total and the largest magnitude.
        Tensor l2 = GradNorm.TotalNorm(set, 2.0);
        Tensor maxAbs = GradNorm.TotalNorm(set, double.PositiveInfinity);
        double[] both = stack(new[] { l2, maxAbs }).cpu().data<double>().ToArray();
        double total = both[0];
        if (ClipPolicy.Stops(total, nonFinite, set, 2.0, out ClipResult stopped)) return stopped;
        foreach (Tensor g in set.Grads) g.clamp_(-clipValue, clipValue);
        return ClipResult.Unscaled(total, clipped: !(both[1] <= clipValue));
    }
}
