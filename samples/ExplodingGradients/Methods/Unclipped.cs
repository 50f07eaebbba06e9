using ClipGen;
using TorchSharp;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

/// <summary>The control group: plain SGD, no clipping, exactly the loop ClipGen's CG0001 warns about.</summary>
internal sealed class Unclipped(TanhRnn model, double learningRate, GradNormMonitor? monitor = null) : ITrainingMethod
{
    private readonly optim.Optimizer optimizer = optim.SGD(model.parameters(), learningRate);

    public TanhRnn Model => model;

    public StepOutcome Step(Tensor inputs, Tensor targets)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        Tensor loss = nn.functional.mse_loss(model.call(inputs), targets);
        loss.backward();
        // Measured only: this is the control group, its gradients must reach the optimizer unchanged.
        double norm = GradClip.TotalGradNorm(model.parameters());
        // CG0001 (step() after backward() with no clipping) is exactly right here, and deliberate: this loop
        // is the experiment's control group, which shows what happens without clipping. Suppressed for this
        // one statement only so that every other loop in the sample stays checked.
#pragma warning disable CG0001
        optimizer.step();
#pragma warning restore CG0001
        monitor?.Record(new ClipResult(norm, 1.0, Clipped: false, NonFinite: !double.IsFinite(norm), SkipStep: false), model.parameters());
        return new StepOutcome(loss.item<float>(), norm, Clipped: false);
    }
}
