using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>ClipByGlobalNorm (TF): tᵢ · clip / max(global, clip), global = √Σ‖tᵢ‖², inputs untouched.</summary>
public class ClipByGlobalNormTests
{
    [Fact]
    public void Seed_vector_is_scaled_by_clip_over_global_without_eps_and_input_is_untouched()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new float[] { 3, 4 }), b = tensor(new float[] { 5 });
        var (clipped, global) = GradClip.ClipByGlobalNorm(new Tensor?[] { a, null, b }, 5.0);
        Assert.Equal(5 * Math.Sqrt(2), global, 5);
        Assert.Null(clipped[1]);
        double scale = 5 / (5 * Math.Sqrt(2));
        Assert.Equal(3 * scale, clipped[0]!.data<float>()[0], 5);
        Assert.Equal(5 * scale, clipped[2]!.data<float>()[0], 5);
        Assert.Equal(new float[] { 3, 4 }, a.data<float>().ToArray());
    }

    [Fact]
    public void Below_the_clip_norm_values_are_copied_unchanged()
    {
        using var scope = NewDisposeScope();
        Tensor a = tensor(new float[] { 0.3f, 0.4f });
        var (clipped, global) = GradClip.ClipByGlobalNorm(new Tensor?[] { a }, 1.0);
        Assert.Equal(0.5, global, 6);
        Assert.Equal(new float[] { 0.3f, 0.4f }, clipped[0]!.data<float>().ToArray());
        Assert.NotSame(a, clipped[0]);
    }

    [Fact]
    public void Non_finite_global_norm_gives_all_NaN_like_TF()
    {
        using var scope = NewDisposeScope();
        var (clipped, global) = GradClip.ClipByGlobalNorm(new Tensor?[] { tensor(new float[] { 1, float.PositiveInfinity }), tensor(new float[] { 2 }) }, 1.0);
        Assert.True(double.IsPositiveInfinity(global));
        Assert.All(clipped.SelectMany(t => t!.data<float>().ToArray()), x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void Clip_norm_0_with_zero_inputs_stays_zero()
    {
        using var scope = NewDisposeScope();
        var (clipped, global) = GradClip.ClipByGlobalNorm(new Tensor?[] { zeros(3) }, 0.0);
        Assert.Equal(0.0, global);
        Assert.All(clipped[0]!.data<float>().ToArray(), x => Assert.Equal(0f, x));
    }
}
