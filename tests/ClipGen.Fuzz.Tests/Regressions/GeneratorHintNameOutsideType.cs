// Fuzz seed 1337, Corpus/GeneratedSteps.cs#460 (removed the class body's "{"): the train steps fall outside any type,
// into the compiler's implicit <invalid-global-code> class; the generator threw ArgumentException (CS8785)
// on the hint name "Fuzz.Generated.<invalid-global-code>.TrainStep.g.cs". Fixed in TrainStepParser (CG1004).
using ClipGen;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Fuzz.Generated;

public partial class Trainer

    private readonly Module<Tensor, Tensor> model;
    private readonly torch.optim.Optimizer optimizer;
    private readonly Loss<Tensor, Tensor, Tensor> criterion;

    public Trainer(Module<Tensor, Tensor> model, torch.optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
    {
        this.model = model;
        this.optimizer = optimizer;
        this.criterion = criterion;
    }

    [ClipGradNorm(1.0)]
    public partial Tensor TrainStep(Tensor input, Tensor target);

    [ClipGradValue(0.5, NonFinite = NonFinitePolicy.SkipStep)]
    public partial TrainStepResult ValueStep(Tensor input, Tensor target);

    [ClipGradNorm(2.0, NormType = double.PositiveInfinity, AccumulationSteps = 4)]
    public partial double AccumulatingStep(Tensor input, Tensor target);
}

public record Batch(Tensor X, Tensor Y);

public partial class SeqTrainer
{
    Module encoder = null!;
    torch.optim.Optimizer opt = null!;

    Tensor ComputeLoss(Batch batch) => functional.mse_loss(encoder.call(batch.X), batch.Y);

    [ClipGradNorm(0.5, NormType = 2.0, Loss = nameof(ComputeLoss), Model = nameof(encoder), Optimizer = nameof(opt))]
    internal partial TrainStepResult Step(Batch batch);

    [AdaptiveGradClip(0.01, Eps = 1e-3, Loss = nameof(ComputeLoss), Model = nameof(encoder), Optimizer = nameof(opt))]
    internal partial void AgcStep(Batch batch);
}

public static partial class Outer
{
    public partial class Inner<T> where T : class
    {
        private Module<Tensor, Tensor> model = null!;
        private torch.optim.Optimizer optimizer = null!;
        private Loss<Tensor, Tensor, Tensor> criterion = null!;

        [ClipGradNorm(1.0)]
        public partial float Step(Tensor input, Tensor target);
    }
}
