using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.Benchmarks.Steps;

/// <summary>
/// A generated [ClipGradNorm] train step and its hand-written TorchSharp twin: the same scope, zero_grad, loss,
/// backward, step and result, with only the clip call different. The loss is a one-element tensor's sum (the
/// grads are the workload's, kept by <see cref="ClipOnlyOptimizer"/>), so the steps differ by their clip.
/// </summary>
/// <remarks>max_norm 0, as in ClipNormBenchmarks: coef is 0 on every call, so every path multiplies every time.</remarks>
public sealed partial class ClipStepTrainer(nn.Module model, optim.Optimizer optimizer)
{
    private readonly nn.Module model = model;
    private readonly optim.Optimizer optimizer = optimizer;

    [ClipGradNorm(0.0, Loss = nameof(ComputeLoss), Model = nameof(model), Optimizer = nameof(optimizer))]
    public partial TrainStepResult GeneratedStep(Tensor input);

    /// <summary>What a user writes without ClipGen (the generated step's body with TorchSharp's clip).</summary>
    public TrainStepResult TorchSharpStep(Tensor input)
    {
        using (NewDisposeScope())
        {
            optimizer.zero_grad();
            Tensor loss = ComputeLoss(input);
            loss.backward();
            double norm = nn.utils.clip_grad_norm_(model.parameters(), 0.0);
            optimizer.step();
            return new TrainStepResult(Loss: loss.ToDouble(), PreClipNorm: norm, Clipped: true, StepSkipped: false, Accumulating: false);
        }
    }

    private static Tensor ComputeLoss(Tensor input) => (input * 1.0).sum();
}
