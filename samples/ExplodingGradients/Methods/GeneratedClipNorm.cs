using ClipGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ExplodingGradients.Methods;

/// <summary>
/// <c>[ClipGradNorm]</c>: the source generator writes <see cref="TrainStep"/>'s body
/// (zero_grad → forward → MSE → backward → <c>GradClip.ClipGradNorm(maxNorm)</c> → step).
/// </summary>
internal sealed partial class GeneratedClipNorm(TanhRnn model, double learningRate, GradNormMonitor? monitor = null) : ITrainingMethod
{
    /// <summary>The max_norm Pascanu et al. suggest picking around the average norm: here, of the first steps.</summary>
    public const double MaxNorm = 1.0;

    private readonly TanhRnn model = model;
    private readonly optim.Optimizer optimizer = optim.SGD(model.parameters(), learningRate);
    private readonly MSELoss criterion = nn.MSELoss();

    public TanhRnn Model => model;

    // Model is named: the field and the Model property (for ITrainingMethod) are both TanhRnn.
    [ClipGradNorm(MaxNorm, Model = nameof(model))]
    public partial TrainStepResult TrainStep(Tensor input, Tensor target);

    public StepOutcome Step(Tensor inputs, Tensor targets)
    {
        TrainStepResult result = TrainStep(inputs, targets);
        // The step leaves the clipped gradients in place: the monitor measures the post-clip norm from them.
        monitor?.Record(result, model.parameters());
        return new StepOutcome(result.Loss, result.PreClipNorm, result.Clipped);
    }
}
