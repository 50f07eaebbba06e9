using ClipGen;
using QuickStart;
using TorchSharp;
using static TorchSharp.torch;

// The smallest useful ClipGen program: fit y = 3x − 1 with a [ClipGradNorm] train step.
random.manual_seed(0);
Tensor x = rand(256, 1) * 4 - 2;
Tensor y = 3 * x - 1 + 0.05 * randn(256, 1);

var trainer = new Trainer(nn.Linear(1, 1), learningRate: 0.1);
for (int step = 1; step <= 200; step++)
{
    TrainStepResult result = trainer.TrainStep(x, y);
    if (step <= 5 || step % 50 == 0)
    {
        Console.WriteLine($"step {step,3}: loss {result.Loss:F4}, gradient norm before clipping {result.PreClipNorm:F3}{(result.Clipped ? " (clipped to 1)" : "")}");
    }
}
