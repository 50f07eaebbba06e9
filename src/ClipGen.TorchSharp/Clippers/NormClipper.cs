using System.Collections.Generic;
using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// A fixed threshold: <see cref="GradClip.ClipGradNorm(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/>
/// with <c>coef = min(MaxNorm / (total + 1e-6), 1)</c> on every call.
/// </summary>
public sealed class NormClipper : IGradientClipper
{
    /// <summary>Creates the clipper; arguments are checked here.</summary>
    /// <param name="maxNorm">The largest total norm allowed; ≥ 0 and not NaN.</param>
    /// <param name="normType">p: any p &gt; 0, or <see cref="double.PositiveInfinity"/>. Default 2.</param>
    /// <param name="nonFinite">What to do on a NaN/infinite total. Default <see cref="NonFinitePolicy.SkipStep"/>.</param>
    public NormClipper(double maxNorm, double normType = 2.0, NonFinitePolicy nonFinite = NonFinitePolicy.SkipStep)
    {
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        Check.Policy(nonFinite);
        MaxNorm = maxNorm;
        NormType = normType;
        NonFinite = nonFinite;
    }

    /// <summary>The largest total norm allowed.</summary>
    public double MaxNorm { get; }

    /// <summary>The p of the norm.</summary>
    public double NormType { get; }

    /// <summary>The non-finite policy.</summary>
    public NonFinitePolicy NonFinite { get; }

    /// <inheritdoc/>
    public ClipResult Clip(IEnumerable<Tensor> parameters) => GradClip.ClipGradNorm(parameters, MaxNorm, NormType, NonFinite);
}
