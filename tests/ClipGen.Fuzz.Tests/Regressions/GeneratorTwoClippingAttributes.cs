// Fuzz seed 2, tests/ClipGen.Analyzers.Tests/Generator/CompileTests.cs#3#277 (cut 33 characters): the broken
// attribute list leaves Other() with [ClipGradNorm] and [ClipGradValue]; the generator added
// "Trainer.Other.g.cs" twice (ArgumentException, CS8785). Fixed in TrainStepParser (one CG1004, no output).
using ClipGen;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

public unsafe partial class Trainer
{
    private int* cursor = null;
    private readonly Module<Tensor, Tensor> model = null!;
    private readonly torch.optim.Optimizer optimizer = null!;
    private readonly Loss<Tensor, Tensor, Tensor> criterion = null!;

    public int* Cursor => cursor;

    [ClipGradNorm(1.0, AccumulationSteps = 3)p(Tensor input, Tensor target);
    [ClipGradValue(1.0)] public partial void Other(Tensor input, Tensor target);
}