using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// The host combination of partial norms (what the buffer does on the CPU instead of a device cast + norm + read)
/// equals libtorch's <c>linalg.vector_norm(norms.double(), p)</c>: within float64 rounding for finite inputs, and
/// NaN / +∞ propagate the same way.
/// </summary>
public class HostNormTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(double.PositiveInfinity)]
    public void Float32_row_norms_combine_like_libtorch_float64_vector_norm(double p)
    {
        using var scope = NewDisposeScope();
        Tensor rows = rand(new long[] { 5_000 }, generator: new Generator(7)).mul_(100);
        float[] host = rows.data<float>().ToArray();
        double expected = linalg.vector_norm(rows.to_type(ScalarType.Float64), p).item<double>();

        double actual = HostNorm.Of<float>(host, p);

        Assert.True(Math.Abs(actual - expected) <= 1e-12 * expected, // n·ε for n = 5,000 float64 terms is 5.5e-13
            $"p = {p}: host {actual:R} vs libtorch {expected:R}");
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(3.0)]
    [InlineData(double.PositiveInfinity)]
    public void Float64_partial_norms_combine_like_libtorch(double p)
    {
        double[] norms = { 3.0, 4.0, 12.0, 0.0 };
        using Tensor t = tensor(norms);
        double expected = linalg.vector_norm(t, p).item<double>();

        Assert.Equal(expected, HostNorm.Of<double>(norms, p), 12);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(2.0)]
    [InlineData(double.PositiveInfinity)]
    public void NaN_and_infinity_propagate_as_in_libtorch(double p)
    {
        float[] withNaN = { 1f, float.NaN, 2f };
        float[] withInf = { 1f, float.PositiveInfinity, 2f };
        using Tensor nan = tensor(withNaN).to_type(ScalarType.Float64);
        using Tensor inf = tensor(withInf).to_type(ScalarType.Float64);

        Assert.Equal(linalg.vector_norm(nan, p).item<double>(), HostNorm.Of<float>(withNaN, p));
        Assert.Equal(linalg.vector_norm(inf, p).item<double>(), HostNorm.Of<float>(withInf, p));
    }

    [Fact]
    public void No_partial_norms_give_zero()
    {
        Assert.Equal(0.0, HostNorm.Of<float>(ReadOnlySpan<float>.Empty, 2.0));
        Assert.Equal(0.0, HostNorm.Of<float>(ReadOnlySpan<float>.Empty, double.PositiveInfinity));
    }
}
