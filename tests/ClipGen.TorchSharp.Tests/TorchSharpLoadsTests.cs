using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>The foundation: the build output loads libtorch (with the libstdc++ load fix where needed).</summary>
public class TorchSharpLoadsTests
{
    [Fact]
    public void Native_library_loads_and_computes()
    {
        using Tensor t = tensor(new float[] { 3, 4 });
        Assert.Equal(5.0, t.norm().item<float>(), 6);
    }

    [Fact]
    public void TorchSharp_clip_grad_norm_scales_the_seed_example()
    {
        // PyTorch clip_grad_norm_: total = ‖[3,4,5]‖₂ = 5√2; grads scaled by 5 / (5√2 + 1e-6).
        using var scope = NewDisposeScope();
        var p = new global::TorchSharp.Modules.Parameter(zeros(3));
        p.grad = tensor(new float[] { 3, 4, 5 });
        double total = nn.utils.clip_grad_norm_(new[] { p }, 5.0);
        Assert.Equal(5 * Math.Sqrt(2), total, 5);
        float[] g = p.grad!.data<float>().ToArray();
        double coef = 5 / (5 * Math.Sqrt(2) + 1e-6);
        Assert.Equal(3 * coef, g[0], 5);
        Assert.Equal(5 * coef, g[2], 5);
    }

    [Fact]
    public void A_tiny_training_step_reduces_the_loss()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        var model = nn.Linear(4, 1);
        var optimizer = optim.SGD(model.parameters(), 0.1);
        Tensor x = randn(32, 4);
        Tensor y = x.sum(1, keepdim: true);
        double first = 0, last = 0;
        for (int i = 0; i < 20; i++)
        {
            optimizer.zero_grad();
            Tensor loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            if (i == 0) first = loss.item<float>();
            last = loss.item<float>();
        }

        Assert.True(last < first / 2, $"loss went from {first} to {last}");
    }
}
