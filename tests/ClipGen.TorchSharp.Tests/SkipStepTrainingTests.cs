using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// SkipStep across 1,000 SGD steps with NaN/∞ injected at random steps: the weights stay finite and are bit-identical
/// to a run that never saw the poisoned batches (clip with SkipStep, step only when !SkipStep, zero_grad always).
/// </summary>
public class SkipStepTrainingTests
{
    [Fact]
    public void Poisoned_steps_are_skipped_and_weights_equal_a_clean_run()
    {
        const int steps = 1000;
        using var scope = NewDisposeScope();
        random.manual_seed(11);
        Tensor xs = randn(steps, 8, 4);
        Tensor ys = xs.sum(2, keepdim: true) * 0.5;
        var rng = new Random(1234);
        var poison = new Dictionary<int, int>(); // step → kind (0 NaN loss, 1 +∞ grad entry, 2 −∞ grad entry)
        for (int i = 0; i < steps; i++) if (rng.NextDouble() < 0.05) poison[i] = rng.Next(3);
        Assert.True(poison.Count > 10);

        var poisoned = nn.Linear(4, 1);
        var clean = nn.Linear(4, 1);
        clean.load_state_dict(poisoned.state_dict());

        int skipped = Train(poisoned, xs, ys, poison, skipPoisoned: false);
        int skippedClean = Train(clean, xs, ys, poison, skipPoisoned: true);

        Assert.Equal(poison.Count, skipped);
        Assert.Equal(0, skippedClean);
        foreach (var (a, b) in poisoned.parameters().Zip(clean.parameters()))
        {
            Assert.True(a.isfinite().all().item<bool>());
            Assert.Equal(b.data<float>().ToArray(), a.data<float>().ToArray());
        }
    }

    private static int Train(nn.Module<Tensor, Tensor> model, Tensor xs, Tensor ys, Dictionary<int, int> poison, bool skipPoisoned)
    {
        var opt = optim.SGD(model.parameters(), 0.05);
        var ps = model.parameters().ToArray();
        int skipped = 0;
        for (int i = 0; i < xs.shape[0]; i++)
        {
            bool bad = poison.TryGetValue(i, out int kind);
            if (bad && skipPoisoned) continue;
            using var step = NewDisposeScope();
            opt.zero_grad();
            Tensor loss = nn.functional.mse_loss(model.call(xs[i]), ys[i]);
            if (bad && kind == 0) loss = loss * float.NaN;
            loss.backward();
            if (bad && kind > 0)
                using (no_grad()) ps[0].grad![0, 0].fill_(kind == 1 ? float.PositiveInfinity : float.NegativeInfinity);
            ClipResult r = GradClip.ClipGradNorm(ps, 1.0, 2.0, NonFinitePolicy.SkipStep);
            if (r.SkipStep) skipped++;
            else opt.step();
        }

        return skipped;
    }
}
