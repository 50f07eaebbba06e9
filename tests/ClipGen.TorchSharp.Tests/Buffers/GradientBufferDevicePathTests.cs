using TorchSharp.Modules;
using static ClipGen.TorchSharp.Tests.Buffers.GradientBufferFixtures;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>
/// The accelerator path of the buffer (row norms combined on the device, coefficient on the device) run on the CPU
/// by turning <c>CombineOnHost</c> off: it gives the host path's total (float64 rounding apart: summation order),
/// the same clipped grads, and the same non-finite policy results. Without this the path would run only on a GPU.
/// </summary>
public class GradientBufferDevicePathTests
{
    [Theory]
    [InlineData(2.0, 1.0)]
    [InlineData(1.0, 0.5)]
    [InlineData(3.0, 1e6)]
    [InlineData(double.PositiveInfinity, 0.25)]
    public void Device_and_host_combination_give_the_same_total_and_grads(double normType, double maxNorm)
    {
        using var scope = NewDisposeScope();
        Parameter[] host = Parameters([300, 7], [2048], [5]);
        SetGrads(host, seed: 11);
        Parameter[] device = CloneWithGrads(host);
        using GradientBuffer onHost = GradientBuffer.Attach(host, Sgd(host));
        using GradientBuffer onDevice = GradientBuffer.Attach(device, Sgd(device));
        onDevice.CombineOnHost = false;

        ClipResult a = onHost.ClipGradNorm(maxNorm, normType, NonFinitePolicy.Propagate);
        ClipResult b = onDevice.ClipGradNorm(maxNorm, normType, NonFinitePolicy.Propagate);
        using Tensor t = onDevice.ClipGradNormToTensor(double.MaxValue, normType);

        Assert.Equal(a.TotalNorm, b.TotalNorm, a.TotalNorm * 1e-12);
        Assert.Equal(a.Coefficient, b.Coefficient, 1e-12);
        Assert.Equal(a.Clipped, b.Clipped);
        AssertGradsClose(host, device);
        Assert.Equal(ScalarType.Float64, t.dtype);
    }

    [Fact]
    public void Device_path_applies_the_non_finite_policies()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([4]);
        ps[0].grad = tensor(new float[] { 1, float.NaN, 2, 3 });
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));
        buffer.CombineOnHost = false;

        ClipResult skipped = buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.SkipStep);
        Assert.True(skipped.SkipStep);
        Assert.Equal(3f, ps[0].grad!.data<float>()[3]); // untouched
        Assert.Throws<NonFiniteGradientException>(() => buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.Throw));
        Assert.Equal(3f, ps[0].grad!.data<float>()[3]);

        ClipResult propagated = buffer.ClipGradNorm(1.0, 2.0, NonFinitePolicy.Propagate);
        Assert.True(double.IsNaN(propagated.TotalNorm));
        Assert.True(float.IsNaN(ps[0].grad!.data<float>()[0])); // NaN coefficient, as PyTorch
    }
}
