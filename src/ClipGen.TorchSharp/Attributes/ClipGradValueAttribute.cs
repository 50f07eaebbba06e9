using System;

namespace ClipGen;

/// <summary>
/// Generates a train step that clamps every gradient entry to <c>[-clipValue, clipValue]</c>, as
/// PyTorch's <c>torch.nn.utils.clip_grad_value_</c>, through <c>GradClip.ClipGradValue</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class ClipGradValueAttribute : TrainStepAttribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="clipValue">
    /// The largest absolute gradient value allowed; finite and ≥ 0 (else CG1005). 0 is accepted and zeroes every gradient:
    /// no learning, so the build warns (CG0006).
    /// </param>
    public ClipGradValueAttribute(double clipValue) => ClipValue = clipValue;

    /// <summary>The largest absolute gradient value allowed.</summary>
    public double ClipValue { get; }
}
