using ClipGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Consumer;

/// <summary>Expected: no diagnostic; the generator writes TrainStep's body.</summary>
public sealed partial class Trainer
{
    public const double MaxNorm = 0.1;

    private readonly SequenceRegressor model;
    private readonly optim.Optimizer optimizer;
    private readonly MSELoss criterion = nn.MSELoss();

    public Trainer(SequenceRegressor model, double learningRate)
    {
        this.model = model;
        optimizer = optim.Adam(model.parameters(), learningRate);
    }

    public IEnumerable<Parameter> Parameters() => model.parameters();

    [ClipGradNorm(MaxNorm)]
    public partial TrainStepResult TrainStep(Tensor input, Tensor target);
}
