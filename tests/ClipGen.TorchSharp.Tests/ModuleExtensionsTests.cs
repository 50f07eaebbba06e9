using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>model.ClipGradNorm(…) etc. equal the GradClip calls on model.parameters().</summary>
public class ModuleExtensionsTests
{
    private static (nn.Module<Tensor, Tensor> A, nn.Module<Tensor, Tensor> B) Twins()
    {
        random.manual_seed(5);
        var a = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        var b = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2));
        b.load_state_dict(a.state_dict());
        Tensor x = randn(8, 4) * 5;
        a.call(x).pow(2).sum().backward();
        b.call(x).pow(2).sum().backward();
        return (a, b);
    }

    private static void AssertSameGrads(nn.Module a, nn.Module b)
    {
        foreach (var (p, q) in a.parameters().Zip(b.parameters())) Assert.Equal(Grads.Bytes(p), Grads.Bytes(q));
    }

    [Fact]
    public void ClipGradNorm_extension_equals_the_static_call()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Twins();
        Assert.Equal(GradClip.ClipGradNorm(b.parameters(), 0.5), a.ClipGradNorm(0.5));
        AssertSameGrads(a, b);
        Assert.Equal(GradClip.ClipGradNorm(b.parameters(), 0.1, 1.0, NonFinitePolicy.Throw), a.ClipGradNorm(0.1, 1.0, NonFinitePolicy.Throw));
        AssertSameGrads(a, b);
        Assert.Equal(GradClip.TotalGradNorm(b.parameters()), a.TotalGradNorm());
    }

    [Fact]
    public void Value_per_tensor_and_adaptive_extensions_equal_the_static_calls()
    {
        using var scope = NewDisposeScope();
        var (a, b) = Twins();
        a.ClipGradNormPerTensor(0.3);
        GradClip.ClipGradNormPerTensor(b.parameters(), 0.3);
        AssertSameGrads(a, b);
        a.AdaptiveClipGrad(0.05);
        GradClip.AdaptiveClipGrad(b.parameters(), 0.05);
        AssertSameGrads(a, b);
        Assert.Equal(GradClip.AdaptiveClipGrad(b.parameters(), 0.01, 1e-3, NonFinitePolicy.SkipStep), a.AdaptiveClipGrad(0.01, 1e-3, NonFinitePolicy.SkipStep));
        AssertSameGrads(a, b);
        a.ClipGradValue(0.01);
        GradClip.ClipGradValue(b.parameters(), 0.01);
        AssertSameGrads(a, b);
        Assert.Equal(GradClip.ClipGradValue(b.parameters(), 0.001, NonFinitePolicy.Throw), a.ClipGradValue(0.001, NonFinitePolicy.Throw));
        AssertSameGrads(a, b);
    }
}
