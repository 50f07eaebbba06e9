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
    /// <param name="clipValue">The largest absolute gradient value allowed; must be ≥ 0 and not NaN.</param>
    public ClipGradValueAttribute(double clipValue) => ClipValue = clipValue;

    /// <summary>The largest absolute gradient value allowed.</summary>
    public double ClipValue { get; }
}
