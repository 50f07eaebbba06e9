using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>GetTotalNorm + ClipGradsWithNorm (PyTorch ≥ 2.6 split) equals the one-call ClipGradNorm, bit for bit.</summary>
public class SplitApiTests
{
    [Theory]
    [InlineData(1.0, 2.0)]
    [InlineData(0.1, 1.0)]
    [InlineData(0.5, double.PositiveInfinity)]
    [InlineData(100.0, 2.0)]
    public void Split_equals_one_call(double maxNorm, double p)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        Tensor[] source = { randn(4, 3), randn(7), randn(2, 2, 2) };
        var one = source.Select(g => Grads.Param(g.clone())).ToArray();
        var split = source.Select(g => Grads.Param(g.clone())).ToArray();

        double total = GradClip.ClipGradNorm(one, maxNorm, p);
        Tensor[] grads = split.Select(s => s.grad!).ToArray();
        Tensor t = GradClip.GetTotalNorm(grads, p);
        GradClip.ClipGradsWithNorm(split, maxNorm, t);

        Assert.Equal(total, t.item<double>());
        for (int i = 0; i < one.Length; i++) Assert.Equal(Grads.Bytes(one[i]), Grads.Bytes(split[i]));
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Split_equals_one_call_bit_for_bit_in_every_float_dtype(ScalarType dtype)
    {
        // 1,000 elements over three tensors; coef = min(0.7 / (total + 1e-6), 1) < 1 so every element is multiplied.
        using var scope = NewDisposeScope();
        random.manual_seed(17);
        Tensor[] source = { randn(500).to_type(dtype), randn(20, 20).to_type(dtype), randn(100).to_type(dtype) };
        var one = source.Select(g => Grads.Param(g.clone())).ToArray();
        var split = source.Select(g => Grads.Param(g.clone())).ToArray();
        var toTensor = source.Select(g => Grads.Param(g.clone())).ToArray();

        double total = GradClip.ClipGradNorm(one, 0.7);
        Tensor t = GradClip.GetTotalNorm(split.Select(s => s.grad!).ToArray());
        GradClip.ClipGradsWithNorm(split, 0.7, t);
        Tensor t2 = GradClip.ClipGradNormToTensor(toTensor, 0.7);

        Assert.Equal(total, t.item<double>());
        Assert.Equal(total, t2.item<double>());
        for (int i = 0; i < one.Length; i++)
        {
            Assert.Equal(Grads.Bytes(one[i]), Grads.Bytes(split[i]));
            Assert.Equal(Grads.Bytes(one[i]), Grads.Bytes(toTensor[i]));
        }
    }

    [Fact]
    public void GetTotalNorm_is_a_float64_scalar_and_0_for_no_tensors()
    {
        using var scope = NewDisposeScope();
        Tensor t = GradClip.GetTotalNorm(new[] { tensor(new float[] { 3, 4 }) });
        Assert.Equal(ScalarType.Float64, t.dtype);
        Assert.Empty(t.shape);
        Assert.Equal(5.0, t.item<double>(), 6);
        Assert.Equal(0.0, GradClip.GetTotalNorm(Array.Empty<Tensor>()).item<double>());
    }

    [Fact]
    public void GetTotalNorm_result_belongs_to_the_callers_scope()
    {
        Tensor t;
        using (var scope = NewDisposeScope())
        {
            t = GradClip.GetTotalNorm(new[] { tensor(new float[] { 3, 4 }) });
            Assert.Equal(5.0, t.item<double>(), 6);
        }

        Assert.True(t.IsInvalid);
    }

    [Fact]
    public void ClipGradsWithNorm_accepts_a_float32_total_and_a_given_norm()
    {
        // coef = min(5 / (10 + 1e-6), 1) regardless of the grads' own norm.
        using var scope = NewDisposeScope();
        var p = Grads.Param(new float[] { 3, 4 });
        GradClip.ClipGradsWithNorm(new[] { p }, 5.0, tensor(10f));
        Assert.Equal(3 * 5 / (10 + 1e-6), Grads.Of(p)[0], 6);
    }
}
