namespace ClipGen;

/// <summary>The outcome of one generated train step (see <see cref="ClipGradNormAttribute"/>).</summary>
/// <param name="Loss">The loss of this call, before any scaling for gradient accumulation.</param>
/// <param name="PreClipNorm">
/// The total gradient norm before clipping (for <see cref="ClipGradValueAttribute"/> and
/// <see cref="AdaptiveGradClipAttribute"/>, the L2 norm of the gradients before clipping).
/// <see cref="double.NaN"/> on calls that only accumulated gradients and did not clip.
/// </param>
/// <param name="Clipped">Whether clipping changed the gradients.</param>
/// <param name="StepSkipped">
/// Whether <c>optimizer.step()</c> was skipped because the gradients were not finite
/// (<see cref="NonFinitePolicy.SkipStep"/>).
/// </param>
/// <param name="Accumulating">
/// Whether this call only accumulated gradients (<c>AccumulationSteps</c> &gt; 1 and not the k-th call),
/// so neither clipping nor <c>step()</c> happened.
/// </param>
public readonly record struct TrainStepResult(
    double Loss,
    double PreClipNorm,
    bool Clipped,
    bool StepSkipped,
    bool Accumulating = false)
{
    /// <summary>Whether <c>optimizer.step()</c> ran in this call.</summary>
    public bool StepTaken => !StepSkipped && !Accumulating;
}
