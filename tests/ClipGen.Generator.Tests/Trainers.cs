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

/// <summary>
/// The same step written twice: through the flat gradient buffer (the default) and tensor by tensor
/// (<c>FlatGradients = false</c>), for the equivalence tests. An instance calls one of them only.
/// </summary>
public partial class EquivalenceTrainer
{
    private readonly Module<Tensor, Tensor> model;
    private optim.Optimizer optimizer;
    private readonly Loss<Tensor, Tensor, Tensor> criterion = MSELoss();

    public EquivalenceTrainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer)
    {
        this.model = model;
        this.optimizer = optimizer;
    }

    /// <summary>Assigning another optimizer object makes the flat step attach again.</summary>
    public optim.Optimizer Optimizer { set => optimizer = value; }

    /// <summary>The flat state of <see cref="FlatStep"/> (the generated field), so tests see the buffer in use.</summary>
    public ClipGen.Generated.TrainStepGradients? FlatState => __clipGenGradients_FlatStep;

    public ClipGen.Generated.TrainStepGradients? FlatResultState => __clipGenGradients_FlatResult;

    public ClipGen.Generated.TrainStepGradients? FlatAccumulatingState => __clipGenGradients_FlatAccumulating;

    public ClipGen.Generated.TrainStepGradients? FlatUnclippedState => __clipGenGradients_FlatUnclipped;

    [ClipGradNorm(0.5)]
    public partial void FlatStep(Tensor input, Tensor target);

    [ClipGradNorm(0.5, FlatGradients = false)]
    public partial void PlainStep(Tensor input, Tensor target);

    [ClipGradNorm(0.5, AccumulationSteps = 3)]
    public partial Tensor FlatAccumulating(Tensor input, Tensor target);

    [ClipGradNorm(0.5, AccumulationSteps = 3, FlatGradients = false)]
    public partial Tensor PlainAccumulating(Tensor input, Tensor target);

    [ClipGradNorm(0.5, NonFinite = NonFinitePolicy.SkipStep)]
    public partial TrainStepResult FlatResult(Tensor input, Tensor target);

    [ClipGradNorm(0.5, NonFinite = NonFinitePolicy.SkipStep, FlatGradients = false)]
    public partial TrainStepResult PlainResult(Tensor input, Tensor target);

    [ClipGradNorm(1e9)]
    public partial float FlatUnclipped(Tensor input, Tensor target);

    [ClipGradNorm(1e9, FlatGradients = false)]
    public partial float PlainUnclipped(Tensor input, Tensor target);
}

/// <summary>A trainer that steps an LR scheduler and records into a monitor from its generated steps.</summary>
public partial class ScheduledTrainer
{
    private readonly Module<Tensor, Tensor> model;
    private readonly optim.Optimizer optimizer;
    private readonly Loss<Tensor, Tensor, Tensor> criterion = MSELoss();
    private readonly optim.lr_scheduler.LRScheduler scheduler;

    public ScheduledTrainer(Module<Tensor, Tensor> model, optim.Optimizer optimizer, optim.lr_scheduler.LRScheduler scheduler)
    {
        this.model = model;
        this.optimizer = optimizer;
        this.scheduler = scheduler;
    }

    public GradNormMonitor Monitor { get; } = new();

    public double LearningRate => optimizer.ParamGroups.First().LearningRate;

    public IEnumerable<Tensor> Parameters => model.parameters();

    [ClipGradNorm(0.5, Scheduler = nameof(scheduler), Monitor = nameof(Monitor), NonFinite = NonFinitePolicy.SkipStep)]
    public partial TrainStepResult Step(Tensor input, Tensor target);

    [ClipGradNorm(0.5, Scheduler = nameof(scheduler), Monitor = nameof(Monitor), AccumulationSteps = 2)]
    public partial void AccumulatingStep(Tensor input, Tensor target);

    [ClipGradValue(0.01, Scheduler = nameof(scheduler), Monitor = nameof(Monitor))]
    public partial double ValueStep(Tensor input, Tensor target);

    [ClipGradNorm(0.5, Scheduler = nameof(scheduler))]
    public partial void UnmonitoredStep(Tensor input, Tensor target);
}
