using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// Sparse gradients (Embedding(sparse: true)) take the per-tensor path in every norm API (‖g‖ₚ of the dense values,
/// duplicates summed). Reference: TorchSharp's clip_grad_norm_ on a twin whose embedding is dense (same values). On the
/// sparse model TorchSharp's own clip_grad_norm_ gets the same total for p = 1, 2 but leaves the sparse grad unscaled
/// here, and fails for p = ∞ ('aten::max' has no SparseCPU kernel); ClipGen scales it.
/// </summary>
public class SparseGradTests
{
    private static (nn.Module Model, nn.Module Twin) Models(bool denseTwin = true)
    {
        random.manual_seed(31);
        var model = nn.Sequential(nn.Embedding(50, 8, sparse: true), nn.Linear(8, 2));
        var twin = nn.Sequential(nn.Embedding(50, 8, sparse: !denseTwin), nn.Linear(8, 2));
        twin.load_state_dict(model.state_dict());
        // Index 3 twice: the sparse grad holds duplicate entries that only a coalesce (or the dense sum) resolves.
        Tensor ids = tensor(new long[] { 3, 7, 3, 11 });
        foreach (nn.Module m in new[] { model, twin })
        {
            ((nn.Module<Tensor, Tensor>)m).call(ids).pow(2).sum().mul(10).backward();
        }

        return (model, twin);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    [InlineData(double.PositiveInfinity)]
    public void ClipGradNorm_matches_TorchSharp_on_a_sparse_embedding(double p)
    {
        using var scope = NewDisposeScope();
        var (model, twin) = Models();
        using (Tensor g = model.parameters().First().grad!) Assert.True(g.is_sparse);

        double total = GradClip.ClipGradNorm(model.parameters(), 0.5, p);
        double expected = nn.utils.clip_grad_norm_(twin.parameters(), 0.5, p);

        Assert.Equal(expected, total, expected * 1e-6);
        if (!double.IsPositiveInfinity(p))
        {
            var (_, sparseTwin) = Models(denseTwin: false);
            Assert.Equal(nn.utils.clip_grad_norm_(sparseTwin.parameters(), 0.5, p), total, expected * 1e-6);
        }

        foreach (var (a, b) in model.parameters().Zip(twin.parameters()))
        {
            Assert.True(a.grad!.to_dense().allclose(b.grad!.to_dense(), 1e-5, 1e-7));
        }
    }

    [Fact]
    public void Every_norm_api_accepts_sparse_grads()
    {
        using var scope = NewDisposeScope();
        var (model, twin) = Models();
        double expected = nn.utils.clip_grad_norm_(twin.parameters(), 1e9);

        Assert.Equal(expected, GradClip.TotalGradNorm(model.parameters()), expected * 1e-6);
        Assert.Equal(expected, GradClip.GetTotalNorm(model.parameters().Select(q => q.grad!)).item<double>(), expected * 1e-6);
        Assert.Equal(expected, GradClip.ClipGradNorm(model.parameters(), 1e9, 2.0, NonFinitePolicy.SkipStep).TotalNorm, expected * 1e-6);
        Assert.Equal(expected, GradClip.ClipGradNormToTensor(model.parameters(), 1e9).item<double>(), expected * 1e-6);
        Assert.Equal(expected, GradClip.ClipGradNormPerTensor(model.parameters(), 1e9, 2.0, NonFinitePolicy.Propagate).TotalNorm, expected * 1e-6);
        Tensor sum = GradClip.GetNormPowerSum(model.parameters());
        Assert.Equal(expected, GradClip.TotalNormFromPowerSums(new[] { sum }).item<double>(), expected * 1e-6);
    }

    [Fact]
    public void A_buffer_refuses_a_sparse_grad_and_falls_back_when_one_appears_later()
    {
        using var scope = NewDisposeScope();
        var (model, twin) = Models();
        var optimizer = optim.SGD(model.parameters(), 0.1);
        Assert.Null(GradientBuffer.TryAttach(model.parameters(), optimizer));
        Assert.Throws<NotSupportedException>(() => GradientBuffer.Attach(model, optimizer));

        // Attached before the first backward (grads null), the sparse grad shows up later: plain path, right numbers.
        model.zero_grad();
        twin.zero_grad();
        using GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);
        Tensor ids = tensor(new long[] { 1, 1, 4 });
        ((nn.Module<Tensor, Tensor>)model).call(ids).sum().mul(7).backward();
        ((nn.Module<Tensor, Tensor>)twin).call(ids).sum().mul(7).backward();

        double expected = nn.utils.clip_grad_norm_(twin.parameters(), 0.2);
        Assert.Equal(expected, buffer.ClipGradNorm(0.2), expected * 1e-6);
        Assert.Equal(1, buffer.FallbackCount);
    }
}
