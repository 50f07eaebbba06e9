using ClipGen;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

/// <summary>What one training step measured.</summary>
/// <param name="Loss">The loss before the update.</param>
/// <param name="PreClipNorm">The total L2 norm of the gradients before any clipping.</param>
/// <param name="Clipped">Whether clipping changed the gradients.</param>
internal readonly record struct StepOutcome(double Loss, double PreClipNorm, bool Clipped);

/// <summary>One way of training the same model on the same data (same seed): only the clipping differs.</summary>
/// <remarks>A method given a <see cref="GradNormMonitor"/> records every step into it (TensorBoard output).</remarks>
internal interface ITrainingMethod
{
    TanhRnn Model { get; }

    StepOutcome Step(Tensor inputs, Tensor targets);
}
