using System;

namespace ClipGen;

/// <summary>
/// Generates a train step with adaptive gradient clipping (AGC, Brock et al. 2021, timm layout):
/// each unit's gradient is rescaled to at most <c>clipFactor · max(‖W_unit‖, Eps)</c>, through
/// <c>GradClip.AdaptiveClipGrad</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class AdaptiveGradClipAttribute : TrainStepAttribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="clipFactor">The largest allowed ratio of gradient norm to weight norm per unit; must be &gt; 0 (0.01 is typical).</param>
    public AdaptiveGradClipAttribute(double clipFactor) => ClipFactor = clipFactor;

    /// <summary>The largest allowed ratio of gradient norm to weight norm per unit.</summary>
    public double ClipFactor { get; }

    /// <summary>The floor of the weight norm, so zero-initialised units can still learn; must be &gt; 0. Default 1e-3.</summary>
    public double Eps { get; set; } = 1e-3;
}
