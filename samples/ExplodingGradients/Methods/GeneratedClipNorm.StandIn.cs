// TEMPORARY stand-in for the [ClipGradNorm] source generator, which has not landed on this branch yet:
// the body the generator is specified to write (issue 5). Delete this file when the generator is merged.
using ClipGen;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

internal sealed partial class GeneratedClipNorm
{
    public partial TrainStepResult TrainStep(Tensor input, Tensor target)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Tensor loss = criterion.call(model.call(input), target);
        loss.backward();
        ClipResult clip = GradClip.ClipGradNorm(model.parameters(), MaxNorm, 2.0, NonFinitePolicy.Propagate);
        optimizer.step();
        return new TrainStepResult(loss.item<float>(), clip.TotalNorm, clip.Clipped, clip.SkipStep);
    }
}
