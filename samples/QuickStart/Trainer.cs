using ClipGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace QuickStart;

public sealed partial class Trainer(nn.Module<Tensor, Tensor> model, double learningRate)
{
    private readonly nn.Module<Tensor, Tensor> model = model;
    private readonly optim.Optimizer optimizer = optim.SGD(model.parameters(), learningRate);
    private readonly MSELoss criterion = nn.MSELoss();

    // The generator writes the body: zero_grad → criterion(model(input), target) → backward →
    // GradClip.ClipGradNorm(parameters, 1.0) → step, inside a DisposeScope.
    [ClipGradNorm(1.0)]
    public partial TrainStepResult TrainStep(Tensor input, Tensor target);
}
