using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>AGC (Brock et al. 2021, timm): max = λ·max(‖W_unit‖, eps); G_unit ← G·max/max(‖G_unit‖, 1e-6) unless ‖G_unit‖ &lt; max.</summary>
public class AdaptiveClipGradTests
{
    private static Parameter WithGrad(float[,] w, float[,] g)
    {
        var p = new Parameter(tensor(w));
        p.grad = tensor(g);
        return p;
    }

    [Fact]
    public void Rows_are_clipped_unit_wise_against_their_own_weight_norm()
    {
        // Row 0: ‖W‖ = 5, max = 0.1·5 = 0.5, ‖G‖ = 10 → G·0.5/10. Row 1: ‖W‖ = 10, max = 1, ‖G‖ = 0.5 → unchanged.
        using var scope = NewDisposeScope();
        var p = WithGrad(new float[,] { { 3, 4 }, { 6, 8 } }, new float[,] { { 6, 8 }, { 0.3f, 0.4f } });
        GradClip.AdaptiveClipGrad(new[] { p }, clipFactor: 0.1, eps: 1e-3);
        float[] g = Grads.Of(p);
        Assert.Equal(6 * 0.5 / 10, g[0], 6);
        Assert.Equal(8 * 0.5 / 10, g[1], 6);
        Assert.Equal(0.3f, g[2]);
        Assert.Equal(0.4f, g[3]);
    }

    [Fact]
    public void Zero_initialised_weights_use_eps_as_the_weight_norm()
    {
        // ‖W‖ = 0 → max = λ·eps = 0.01·1e-3 = 1e-5; ‖G‖ = 5 → G·1e-5/5.
        using var scope = NewDisposeScope();
        var p = WithGrad(new float[,] { { 0, 0 } }, new float[,] { { 3, 4 } });
        GradClip.AdaptiveClipGrad(new[] { p });
        float[] g = Grads.Of(p);
        Assert.Equal(3 * 1e-5 / 5, g[0], 9);
        Assert.Equal(4 * 1e-5 / 5, g[1], 9);
    }

    [Fact]
    public void One_dimensional_tensors_use_the_whole_tensor_norm()
    {
        // bias: ‖W‖ = 5, max = 0.1·5 = 0.5, ‖G‖ = 5 → G·0.5/5.
        using var scope = NewDisposeScope();
        var p = new Parameter(tensor(new float[] { 3, 4 }));
        p.grad = tensor(new float[] { 4, 3 });
        ClipResult r = GradClip.AdaptiveClipGrad(new[] { p }, 0.1, 1e-3, NonFinitePolicy.Throw);
        Assert.True(r.Clipped);
        Assert.Equal(5, r.TotalNorm, 6);
        Assert.Equal(4 * 0.5 / 5, Grads.Of(p)[0], 6);
    }

    [Fact]
    public void Conv_weights_use_norms_over_dims_1_to_n()
    {
        // Weight [2,1,2,2]: unit 0 all ones (‖W‖=2, max 0.02), unit 1 all 10 (‖W‖=20, max 0.2); G all 0.05 (‖G‖ = 0.1).
        using var scope = NewDisposeScope();
        Tensor w = cat(new[] { ones(1, 1, 2, 2), full(new long[] { 1, 1, 2, 2 }, 10f) });
        var p = new Parameter(w);
        p.grad = full(new long[] { 2, 1, 2, 2 }, 0.05f);
        GradClip.AdaptiveClipGrad(new[] { p }, 0.01, 1e-3);
        float[] g = Grads.Of(p);
        Assert.All(g.Take(4), x => Assert.Equal(0.05 * 0.02 / 0.1, x, 6));
        Assert.All(g.Skip(4), x => Assert.Equal(0.05f, x));
    }

    [Fact]
    public void Policy_overload_skips_NaN_grads_untouched()
    {
        using var scope = NewDisposeScope();
        var p = WithGrad(new float[,] { { 1, 1 } }, new float[,] { { float.NaN, 1 } });
        byte[] before = Grads.Bytes(p);
        Assert.True(GradClip.AdaptiveClipGrad(new[] { p }, 0.01, 1e-3, NonFinitePolicy.SkipStep).SkipStep);
        Assert.Equal(before, Grads.Bytes(p));
        Assert.Throws<NonFiniteGradientException>(() => GradClip.AdaptiveClipGrad(new[] { p }, 0.01, 1e-3, NonFinitePolicy.Throw));
        Assert.Equal(before, Grads.Bytes(p));
    }
}
