using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClipGen.Generator.Tests;

/// <summary>Form 1 of the issue: model, optimizer and criterion found by type.</summary>
public partial class Trainer
{
    private readonly Module<Tensor, Tensor> model;
    private readonly optim.Optimizer optimizer;
    private readonly Loss<Tensor, Tensor, Tensor> criterion;

    public Trainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer, Loss<Tensor, Tensor, Tensor> criterion)
    {
        this.model = model;
        this.optimizer = optimizer;
        this.criterion = criterion;
    }

    [ClipGradNorm(1.0)]
    public partial Tensor TrainStep(Tensor input, Tensor target);

    [ClipGradNorm(0.1, NonFinite = NonFinitePolicy.SkipStep)]
    public partial TrainStepResult TightStep(Tensor input, Tensor target);

    [ClipGradNorm(1e9, AccumulationSteps = 3)]
    public partial TrainStepResult AccumulatingStep(Tensor input, Tensor target);

    [ClipGradValue(0.01)]
    public partial double ValueStep(Tensor input, Tensor target);
}

public record Batch(Tensor Input, Tensor Target);

/// <summary>Form 2 of the issue: a loss method, members named explicitly.</summary>
public partial class SeqTrainer
{
    private readonly Module<Tensor, Tensor> encoder;
    private readonly Module<Tensor, Tensor> unused = Linear(1, 1);
    private readonly optim.Optimizer opt;

    public SeqTrainer(Module<Tensor, Tensor> encoder, optim.Optimizer opt)
    {
        this.encoder = encoder;
        this.opt = opt;
    }

    public Module<Tensor, Tensor> Unused => unused;

    private Tensor ComputeLoss(Batch batch) => functional.mse_loss(encoder.call(batch.Input), batch.Target);

    [ClipGradNorm(0.5, NormType = 2.0, Loss = nameof(ComputeLoss), Model = nameof(encoder), Optimizer = nameof(opt))]
    internal partial TrainStepResult Step(Batch batch);
}
