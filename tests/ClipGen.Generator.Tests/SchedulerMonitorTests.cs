using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClipGen.Generator.Tests;

/// <summary><c>Scheduler = nameof(...)</c> and <c>Monitor = nameof(...)</c> of generated steps, on real libtorch.</summary>
[Collection(GlobalRandomCollection.Name)]
public class SchedulerMonitorTests
{
    private const double BaseLr = 0.1, Gamma = 0.5;
    private const int StepSize = 3;

    private static (ScheduledTrainer Trainer, Tensor X, Tensor Y) Setup(long seed)
    {
        random.manual_seed(seed);
        var model = Sequential(Linear(4, 8), ReLU(), Linear(8, 1));
        var optimizer = optim.SGD(model.parameters(), BaseLr);
        var scheduler = optim.lr_scheduler.StepLR(optimizer, StepSize, Gamma);
        Tensor x = randn(32, 4);
        Tensor y = x.sum(1, keepdim: true).mul(10);
        return (new ScheduledTrainer(model, optimizer, scheduler), x, y);
    }

    /// <summary>PyTorch's StepLR closed form: <c>lr = base · γ^⌊epoch / step_size⌋</c>, epoch = scheduler steps so far.</summary>
    private static double StepLr(int schedulerSteps) => BaseLr * Math.Pow(Gamma, schedulerSteps / StepSize);

    [Fact]
    public void The_scheduler_steps_after_every_optimizer_step_and_the_monitor_records_each()
    {
        var (trainer, x, y) = Setup(1);
        var results = new List<TrainStepResult>();
        for (int n = 1; n <= 10; n++)
        {
            results.Add(trainer.Step(x, y));
            Assert.Equal(StepLr(n), trainer.LearningRate, 12);
        }

        Assert.Equal(10, trainer.Monitor.Count);
        Assert.Equal(results.Select(r => r.PreClipNorm), trainer.Monitor.Records.Select(r => r.PreClipNorm));
        Assert.Equal(results.Count(r => r.Clipped), trainer.Monitor.ClippedCount);
        Assert.True(trainer.Monitor.ClippedCount > 0);
        // Norm clipping scales uniformly: the post-clip norm is maxNorm (within PyTorch's 1e-6) when clipped.
        Assert.All(trainer.Monitor.Records.Where(r => r.Clipped), r => Assert.Equal(0.5, r.PostClipNorm, 1e-6));
    }

    [Fact]
    public void Under_accumulation_the_scheduler_and_the_monitor_act_once_per_k_calls()
    {
        var (trainer, x, y) = Setup(2);
        for (int n = 1; n <= 13; n++)
        {
            trainer.AccumulatingStep(x, y);
            Assert.Equal(StepLr(n / 2), trainer.LearningRate, 12);
            Assert.Equal(n / 2, trainer.Monitor.Count);
        }
    }

    [Fact]
    public void A_skipped_step_steps_no_scheduler_but_is_recorded_as_skipped()
    {
        var (trainer, x, y) = Setup(3);
        Tensor poisoned = x.clone();
        poisoned[0, 0] = float.NaN;

        trainer.Step(x, y);
        TrainStepResult skipped = trainer.Step(poisoned, y);
        trainer.Step(x, y);

        Assert.True(skipped.StepSkipped);
        Assert.Equal(StepLr(2), trainer.LearningRate, 12);
        Assert.Equal(3, trainer.Monitor.Count);
        Assert.Equal(1, trainer.Monitor.SkippedCount);
        Assert.True(trainer.Monitor.Records[1].SkipStep);
    }

    [Fact]
    public void Value_clipping_records_the_measured_post_clip_norm()
    {
        var (trainer, x, y) = Setup(4);
        trainer.ValueStep(x, y);

        GradNormRecord record = Assert.Single(trainer.Monitor.Records);
        Assert.True(record.Clipped);
        Assert.Equal(GradClip.TotalGradNorm(trainer.Parameters), record.PostClipNorm, 12);
        Assert.True(record.PostClipNorm < record.PreClipNorm);
        Assert.Equal(StepLr(1), trainer.LearningRate, 12);
    }

    [Fact]
    public void Without_a_monitor_the_scheduler_still_steps()
    {
        var (trainer, x, y) = Setup(5);
        for (int n = 1; n <= 7; n++)
        {
            trainer.UnmonitoredStep(x, y);
        }

        Assert.Equal(StepLr(7), trainer.LearningRate, 12);
        Assert.Equal(0, trainer.Monitor.Count);
    }
}
