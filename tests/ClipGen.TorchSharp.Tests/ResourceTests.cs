using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>No TorchSharp tensor leaks: DisposeScopeManager.Statistics.ThreadTotalLiveCount is the same before and after many calls.</summary>
public class ResourceTests
{
    private static long Live => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    [Fact]
    public void Every_api_leaves_the_live_tensor_count_unchanged_over_1000_calls()
    {
        var model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2));
        using (var s = NewDisposeScope()) model.call(randn(5, 4)).sum().backward();
        var ps = model.parameters().ToArray();
        Tensor nanParam = Grads.Param(new float[] { float.NaN, 1 });
        for (int warm = 0; warm < 2; warm++) Run(ps, model, nanParam, 1);
        long before = Live;
        Run(ps, model, nanParam, 1000);
        Assert.Equal(before, Live);
    }

    [Fact]
    public void ClipGradNorm_leaves_the_live_tensor_count_unchanged_over_100000_calls()
    {
        Tensor[] ps = { Grads.Param(new float[] { 3, 4, 5 }), Grads.Param(new float[] { 1, 2 }), Grads.NoGrad(2) };
        GradClip.ClipGradNorm(ps, 1e9);
        long before = Live;
        for (int i = 0; i < 100_000; i++) GradClip.ClipGradNorm(ps, 1e9);
        Assert.Equal(before, Live);
    }

    private static void Run(Tensor[] ps, nn.Module model, Tensor nanParam, int n)
    {
        for (int i = 0; i < n; i++)
        {
            GradClip.ClipGradNorm(ps, 1e9);
            GradClip.ClipGradNorm(ps, 1e9, double.PositiveInfinity, NonFinitePolicy.SkipStep);
            GradClip.ClipGradNorm(new[] { nanParam }, 1.0, 2.0, NonFinitePolicy.SkipStep);
            try { GradClip.ClipGradNorm(new[] { nanParam }, 1.0, 2.0, NonFinitePolicy.Throw); } catch (NonFiniteGradientException) { }
            GradClip.ClipGradValue(ps, 1e9);
            GradClip.ClipGradValue(ps, 1e9, NonFinitePolicy.Throw);
            GradClip.ClipGradNormPerTensor(ps, 1e9);
            GradClip.ClipGradNormPerTensor(ps, 1e9, 2, NonFinitePolicy.Throw);
            GradClip.AdaptiveClipGrad(ps, 1e9);
            GradClip.AdaptiveClipGrad(ps, 1e9, 1e-3, NonFinitePolicy.Throw);
            GradClip.TotalGradNorm(ps);
            model.ClipGradNorm(1e9);
            model.ClipGradValue(1e9, NonFinitePolicy.SkipStep);
            using (var scope = NewDisposeScope())
            {
                Tensor total = GradClip.GetTotalNorm(ps.Select(p => p.grad!).ToArray());
                GradClip.ClipGradsWithNorm(ps, 1e9, total);
                GradClip.ClipByGlobalNorm(ps.Select(p => p.grad).ToArray(), 1e9);
            }
        }
    }
}
