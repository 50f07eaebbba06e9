using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace ClipGen.Generator.Tests;

/// <summary>Generated train steps run on real TorchSharp models (libtorch CPU).</summary>
[Collection(GlobalRandomCollection.Name)]
public class GeneratedTrainStepTests
{
    private static (Module<Tensor, Tensor> Model, Tensor X, Tensor Y) Problem(long seed, double targetScale = 1.0)
    {
        random.manual_seed(seed);
        var model = Linear(4, 1);
        Tensor x = randn(32, 4);
        Tensor y = x.matmul(tensor(new float[] { 1, -2, 3, 0.5f }).reshape(4, 1)) * targetScale;
        return (model, x, y);
    }

    private static double GradNorm(Module model)
    {
        using var scope = NewDisposeScope();
        return Math.Sqrt(model.parameters().Select(p => p.grad).Where(g => g is not null).Sum(g => g!.pow(2).sum().ToDouble()));
    }

    private static float[] Weights(Module model) => model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    [Fact]
    public void Form1_loss_decreases_over_training()
    {
        var (model, x, y) = Problem(1);
        var trainer = new Trainer(model, optim.SGD(model.parameters(), 0.05), MSELoss());

        double first = trainer.TrainStep(x, y).ToDouble();
        double last = first;
        for (int i = 0; i < 100; i++)
        {
            using Tensor loss = trainer.TrainStep(x, y);
            last = loss.ToDouble();
        }

        Assert.True(last < first / 10, $"loss {first} -> {last}");
    }

    [Fact]
    public void After_a_step_the_gradient_norm_is_at_most_maxNorm()
    {
        // Targets ×100 make the pre-clip norm far above maxNorm = 0.1, so clipping must act.
        var (model, x, y) = Problem(2, targetScale: 100);
        var trainer = new Trainer(model, optim.SGD(model.parameters(), 0.01), MSELoss());

        TrainStepResult result = trainer.TightStep(x, y);

        Assert.True(result.PreClipNorm > 0.1 * 10, $"pre-clip norm {result.PreClipNorm}");
        Assert.True(result.Clipped);
        Assert.True(result.StepTaken);
        Assert.True(GradNorm(model) <= 0.1 * (1 + 1e-6), $"post-clip norm {GradNorm(model)}");
    }

    [Fact]
    public void Accumulation_steps_on_every_third_call_and_matches_one_step_on_the_whole_batch()
    {
        var (model, x, y) = Problem(3);
        var trainer = new Trainer(model, optim.SGD(model.parameters(), 0.1), MSELoss());
        random.manual_seed(3);
        var reference = Linear(4, 1);
        var referenceOptimizer = optim.SGD(reference.parameters(), 0.1);
        float[] initial = Weights(model);
        Assert.Equal(initial, Weights(reference));

        // Three equal micro-batches with loss/3 each give the gradient of the mean loss over all 30 rows.
        var results = new List<TrainStepResult>();
        for (int call = 0; call < 3; call++)
        {
            results.Add(trainer.AccumulatingStep(x[TensorIndex.Slice(call * 10, call * 10 + 10)], y[TensorIndex.Slice(call * 10, call * 10 + 10)]));
            if (call < 2)
            {
                Assert.Equal(initial, Weights(model));
                Assert.True(results[call].Accumulating);
                Assert.False(results[call].StepTaken);
                Assert.True(double.IsNaN(results[call].PreClipNorm));
            }
        }

        Assert.True(results[2].StepTaken);
        Assert.NotEqual(initial, Weights(model));

        referenceOptimizer.zero_grad();
        functional.mse_loss(reference.call(x[TensorIndex.Slice(0, 30)]), y[TensorIndex.Slice(0, 30)]).backward();
        referenceOptimizer.step();
        float[] expected = Weights(reference), actual = Weights(model);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], 5);
        }

        // The next cycle starts clean: after one more (accumulating) call the weights stay put.
        float[] afterStep = Weights(model);
        Assert.True(trainer.AccumulatingStep(x, y).Accumulating);
        Assert.Equal(afterStep, Weights(model));
    }

    [Fact]
    public void SkipStep_leaves_the_weights_unchanged_on_a_NaN_gradient()
    {
        var (model, x, y) = Problem(4);
        var trainer = new Trainer(model, optim.SGD(model.parameters(), 0.1), MSELoss());
        float[] before = Weights(model);
        Tensor poisoned = x.clone();
        poisoned[0, 0] = float.NaN;

        TrainStepResult result = trainer.TightStep(poisoned, y);

        Assert.True(result.StepSkipped);
        Assert.False(result.StepTaken);
        Assert.Equal(before, Weights(model));

        TrainStepResult healthy = trainer.TightStep(x, y);
        Assert.True(healthy.StepTaken);
        Assert.NotEqual(before, Weights(model));
    }

    [Fact]
    public void Value_clipping_clamps_every_gradient_entry()
    {
        var (model, x, y) = Problem(5, targetScale: 100);
        var trainer = new Trainer(model, optim.SGD(model.parameters(), 0.01), MSELoss());

        double loss = trainer.ValueStep(x, y);

        Assert.True(loss > 0);
        using var scope = NewDisposeScope();
        Assert.All(model.parameters(), p => Assert.True(p.grad!.abs().max().ToDouble() <= 0.01 * (1 + 1e-6)));
    }

    [Fact]
    public void Form2_loss_method_trains_and_reports_the_pre_clip_norm()
    {
        var (model, x, y) = Problem(6);
        var trainer = new SeqTrainer(model, optim.Adam(model.parameters(), 0.05));
        var batch = new Batch(x, y);

        TrainStepResult first = trainer.Step(batch);
        TrainStepResult last = first;
        for (int i = 0; i < 100; i++)
        {
            last = trainer.Step(batch);
        }

        Assert.True(last.Loss < first.Loss / 10, $"loss {first.Loss} -> {last.Loss}");
        Assert.True(first.PreClipNorm > 0);
        Assert.True(GradNorm(model) <= 0.5 * (1 + 1e-6));
        Assert.Null(trainer.Unused.parameters().First().grad);
    }
}
