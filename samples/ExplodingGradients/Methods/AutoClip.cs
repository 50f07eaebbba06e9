using ClipGen;
using TorchSharp;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

/// <summary>
/// AutoClip (Seetharaman et al. 2020): the threshold is the 10th percentile of every pre-clip norm seen so
/// far, so it follows the model instead of being picked by hand; a hand-written loop calling an
/// <see cref="AutoClipper"/>.
/// </summary>
internal sealed class AutoClip(TanhRnn model, double learningRate, GradNormMonitor? monitor = null) : ITrainingMethod
{
    public const double Percentile = 10;

    private readonly optim.Optimizer optimizer = optim.SGD(model.parameters(), learningRate);
    private readonly AutoClipper clipper = new(Percentile, nonFinite: NonFinitePolicy.Propagate);

    public TanhRnn Model => model;

    public StepOutcome Step(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
        loss.backward();
        ClipResult clip = clipper.Clip(model.parameters());
        optimizer.step();
        monitor?.Record(clip, model.parameters());
        return new StepOutcome(loss.item<float>(), clip.TotalNorm, clip.Clipped);
    }
}
