using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// Sharded clipping: each shard's GetNormPowerSum = Σ‖gᵢ‖ₚᵖ (max for p = ∞), total = (Σ shards)^(1/p), then
/// ClipGradsWithNorm with that total on each shard equals the unsharded ClipGradNorm.
/// </summary>
public class ShardedNormTests
{
    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    [InlineData(double.PositiveInfinity)]
    public void Two_shards_on_two_threads_equal_the_unsharded_call(double p)
    {
        random.manual_seed(41);
        var model = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4));
        var twin = nn.Sequential(nn.Linear(16, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 4));
        twin.load_state_dict(model.state_dict());
        using (var scope = NewDisposeScope())
        {
            Tensor x = randn(8, 16);
            model.call(x).pow(2).sum().mul(30).backward();
            twin.call(x).pow(2).sum().mul(30).backward();
        }

        var all = model.parameters().ToArray();
        var shards = new[] { all.Where((_, i) => i % 2 == 0).ToArray(), all.Where((_, i) => i % 2 == 1).ToArray() };
        var sums = new Tensor[2];
        var totals = new Tensor[2];
        using var barrier = new Barrier(2);
        var threads = Enumerable.Range(0, 2).Select(k => new Thread(() =>
        {
            sums[k] = GradClip.GetNormPowerSum(shards[k], p).DetachFromDisposeScope();
            barrier.SignalAndWait(); // the "all-reduce": each shard reads both sums
            totals[k] = GradClip.TotalNormFromPowerSums(sums, p).DetachFromDisposeScope();
            GradClip.ClipGradsWithNorm(shards[k], 0.5, totals[k]);
        })).ToArray();
        foreach (Thread t in threads) t.Start();
        foreach (Thread t in threads) t.Join();

        double expected = GradClip.ClipGradNorm(twin.parameters(), 0.5, p);
        Assert.Equal(expected, totals[0].item<double>(), expected * 1e-6); // float32 rounding: the shards chunk their grads differently
        Assert.Equal(totals[0].item<double>(), totals[1].item<double>());
        using var check = NewDisposeScope();
        foreach (var (a, b) in model.parameters().Zip(twin.parameters()))
        {
            Assert.True(a.grad!.allclose(b.grad!, 1e-6, 0), "sharded and unsharded grads differ");
        }
    }
}
