using ClipGen;
using Consumer;
using TorchSharp;
using static TorchSharp.torch;

// Trains with the generated [ClipGradNorm] train step and prints what it measured, one "key: value" a line.
random.manual_seed(7);
var (inputs, targets) = SequenceRegressor.AddingProblem(batch: 64, length: 20);
var trainer = new Trainer(new SequenceRegressor(2, 16), learningRate: 0.01);

const int steps = 60;
double firstLoss = double.NaN, lastLoss = double.NaN, largestPostClipNorm = 0;
int clipped = 0;
for (int step = 0; step < steps; step++)
{
    TrainStepResult result = trainer.TrainStep(inputs, targets);
    if (step == 0)
    {
        firstLoss = result.Loss;
    }

    lastLoss = result.Loss;
    clipped += result.Clipped ? 1 : 0;

    // The gradients the step used are still there (zero_grad runs at the start of the next call).
    using (NewDisposeScope())
    {
        double squares = trainer.Parameters().Where(p => p.grad is not null).Sum(p => p.grad!.pow(2).sum().item<float>());
        largestPostClipNorm = Math.Max(largestPostClipNorm, Math.Sqrt(squares));
    }
}

Console.WriteLine($"max norm: {Trainer.MaxNorm:R}");
Console.WriteLine($"first loss: {firstLoss:R}");
Console.WriteLine($"last loss: {lastLoss:R}");
Console.WriteLine($"clipped steps: {clipped}");
Console.WriteLine($"largest post-clip norm: {largestPostClipNorm:R}");
Console.WriteLine($"hand-clipped loop loss: {GoodLoop.Train(inputs, targets, 5):R}");

// The broken loops (fixed by `dotnet format analyzers` in the EndToEnd tests): "<loop> losses: first last".
const int badSteps = 30;
foreach (var (name, train) in new (string, Func<Tensor, Tensor, int, (double First, double Last)>)[]
{
    ("CG0001 loop", BadLoop.Unclipped),
    ("CG0002 loop", BadLoop.ClearedBeforeStep),
    ("CG0003 loop", BadLoop.NeverCleared),
    ("CG0004 loop", BadLoop.ClippedAfterStep),
    ("CG0005 loop", BadLoop.StepFirst),
})
{
    random.manual_seed(11);
    var (first, last) = train(inputs, targets, badSteps);
    Console.WriteLine($"{name} losses: {first:R} {last:R}");
}
