using TorchSharp;
using TorchSharp.Modules;
using static ClipGen.TorchSharp.Tests.Buffers.GradientBufferFixtures;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>Clipping disposes every temporary: the live tensor count is unchanged over many calls.</summary>
public class GradientBufferLeakTests
{
    [Fact]
    public void Many_clips_leave_no_live_tensor_behind()
    {
        Parameter[] ps = Parameters([50, 20], [20], [7]);
        SetGrads(ps, seed: 11);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));
        buffer.ClipGradNorm(1.0); // warm-up

        long before = LiveTensorsOnThisThread();
        for (int i = 0; i < 200; i++)
        {
            buffer.ClipGradNorm(1.0);                                     // flat path, clipping
            buffer.ClipGradNorm(1e9, 2.0, NonFinitePolicy.Propagate);     // flat path, coef == 1
            buffer.ClipGradNorm(1.0, double.PositiveInfinity);            // max norm
        }

        Assert.Equal(before, LiveTensorsOnThisThread());

        // A grad with autograd history cannot be adopted: every call falls back to the per-tensor path.
        using (Tensor withHistory = randn(7).requires_grad_())
        {
            ps[2].grad = withHistory;
        }

        buffer.ClipGradNorm(1.0);
        before = LiveTensorsOnThisThread();
        for (int i = 0; i < 200; i++)
        {
            buffer.ClipGradNorm(1.0);
        }

        Assert.Equal(before, LiveTensorsOnThisThread());
        Assert.True(buffer.FallbackCount > 200);
    }

    // Per-thread statistics: tests running in parallel (and finalizers) do not disturb it.
    private static long LiveTensorsOnThisThread() => DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
}
