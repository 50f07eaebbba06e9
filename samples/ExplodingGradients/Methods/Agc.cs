using ClipGen;
using TorchSharp;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

/// <summary>
/// Adaptive gradient clipping (Brock et al. 2021): each unit's gradient is capped at
/// <c>clipFactor · max(‖W_unit‖, eps)</c>, a hand-written loop calling <c>GradClip.AdaptiveClipGrad</c>.
/// </summary>
internal sealed class Agc(TanhRnn model, double learningRate, double clipFactor, GradNormMonitor? monitor = null) : ITrainingMethod
{
    private readonly optim.Optimizer optimizer = optim.SGD(model.parameters(), learningRate);

    public TanhRnn Model => model;

    public StepOutcome Step(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
        loss.backward();
        // AGC rescales each unit by its own factor: the pre-clip histogram needs a copy taken before clipping.
        monitor?.CaptureBeforeClip(model.parameters());
        ClipResult clip = GradClip.AdaptiveClipGrad(model.parameters(), clipFactor, eps: 1e-3, NonFinitePolicy.Propagate);
        optimizer.step();
        monitor?.Record(clip, model.parameters());
        return new StepOutcome(loss.item<float>(), clip.TotalNorm, clip.Clipped);
    }
}
