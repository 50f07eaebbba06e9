using TorchSharp;
using TorchSharp.Modules;
using static ClipGen.TorchSharp.Tests.Buffers.GradientBufferFixtures;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>
/// Each way the grad views get broken is noticed before clipping, and the clip still gives
/// PyTorch's numbers on the parameters' actual grads (never on the stale flat memory).
/// </summary>
public class GradientBufferBrokenViewTests
{
    [Fact]
    public void Module_zero_grad_then_backward_is_reattached_with_fresh_values()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var model = nn.Linear(6, 3);
        var optimizer = optim.SGD(model.parameters(), 0.1);
        using GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);
        Tensor x = randn(10, 6);
        model.call(x).sum().mul(50).backward();
        buffer.ClipGradNorm(1.0); // adopts the grads the first backward created (null at attach)
        long adopted = buffer.ReattachCount;

        model.zero_grad(); // set_to_none: grads null, the flat buffer keeps old values
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
        model.call(x).pow(2).sum().backward(); // fresh grads, not views
        Parameter[] reference = CloneWithGrads(model.parameters().ToArray());

        double total = buffer.ClipGradNorm(1.0);
        double expected = nn.utils.clip_grad_norm_(reference, 1.0);

        Assert.Equal(expected, total, expected * 1e-5);
        AssertGradsClose(reference, model.parameters().ToArray());
        Assert.Equal(adopted + 2, buffer.ReattachCount);
        Assert.True(buffer.Verify(), "after re-attaching, the grads are views again");
    }

    [Fact]
    public void Grads_set_to_null_are_left_null_and_their_stale_values_ignored()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([4], [4]);
        SetGrads(ps, seed: 2, scale: 100); // large values now sit in the flat buffer
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        ps[0].grad = null;
        ClipResult result = buffer.ClipGradNorm(1e9, 2.0, NonFinitePolicy.Propagate);

        using Tensor g1 = ps[1].grad!;
        using Tensor expected = g1.norm();
        Assert.Equal(expected.item<float>(), result.TotalNorm, 3);
        Assert.Null(ps[0].grad);
    }

    [Fact]
    public void Backward_with_create_graph_falls_back_to_the_actual_grads()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(9);
        var model = nn.Linear(5, 2);
        var optimizer = optim.SGD(model.parameters(), 0.1);
        using GradientBuffer buffer = GradientBuffer.Attach(model, optimizer);
        Tensor x = randn(8, 5);
        optimizer.zero_grad();
        model.call(x).sum().mul(10).backward();
        buffer.ClipGradNorm(1.0);

        optimizer.zero_grad();
        model.call(x).pow(2).sum().backward(create_graph: true); // grads replaced, with history
        Parameter[] reference = CloneWithGrads(model.parameters().ToArray());

        double total = buffer.ClipGradNorm(1.0);
        double expected = nn.utils.clip_grad_norm_(reference, 1.0);

        Assert.Equal(expected, total, expected * 1e-5);
        AssertGradsClose(reference, model.parameters().ToArray());
        Assert.Equal(1, buffer.FallbackCount);
        Assert.All(model.parameters(), p => { using Tensor g = p.grad!; Assert.True(g.requires_grad, "the graph is kept"); });
    }

    [Fact]
    public void A_grad_assigned_by_the_user_is_copied_in_and_reattached()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3], [2]);
        SetGrads(ps, seed: 4);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        ps[0].grad = tensor(new float[] { 30, 40, 0 });
        ps[1].grad = tensor(new float[] { 0, 0 });
        double total = buffer.ClipGradNorm(5.0);

        Assert.Equal(50.0, total, 4);
        using Tensor g = ps[0].grad!;
        Assert.Equal(3.0f, g[0].item<float>(), 4);
        Assert.Equal(2, buffer.ReattachCount);
        Assert.Equal(0, buffer.FallbackCount);
    }

    [Fact]
    public void A_resized_parameter_falls_back()
    {
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([4], [3]);
        SetGrads(ps, seed: 6);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        using (no_grad())
        {
            ps[0].set_(zeros(6));
        }

        ps[0].grad = tensor(new float[] { 1, 1, 1, 1, 1, 1 });
        Parameter[] reference = CloneWithGrads(ps);

        double total = buffer.ClipGradNorm(0.5);
        double expected = nn.utils.clip_grad_norm_(reference, 0.5);

        Assert.Equal(expected, total, expected * 1e-5);
        AssertGradsClose(reference, ps);
        Assert.Equal(1, buffer.FallbackCount);
    }

    [Fact]
    public void Norm_type_zero_is_rejected_as_GradClip_rejects_it()
    {
        // ‖concat‖₀ would count non-zero entries where ‖(‖gᵢ‖₀)‖₀ counts non-zero tensors: p must be > 0.
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3]);
        using GradientBuffer buffer = GradientBuffer.Attach(ps, Sgd(ps));

        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.ClipGradNorm(1.0, normType: 0));
    }

    [Fact]
    public void LBFGS_is_refused()
    {
        using var scope = NewDisposeScope();
        var model = nn.Linear(2, 1);
        var lbfgs = optim.LBFGS(model.parameters());

        var e = Assert.Throws<NotSupportedException>(() => GradientBuffer.Attach(model, lbfgs));
        Assert.Contains("LBFGS", e.Message, StringComparison.Ordinal);
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void A_repeated_parameter_is_refused_and_two_buffers_on_one_parameter_still_clip_right()
    {
        // No global registry (GradClip never consults one): a second buffer on the same parameters takes the grads
        // over by copying them, and the first copies them back when it clips. Each gives PyTorch's numbers.
        using var scope = NewDisposeScope();
        Parameter[] ps = Parameters([3], [2]);
        SetGrads(ps, seed: 12);
        Assert.Throws<ArgumentException>(() => GradientBuffer.Attach(new[] { ps[0], ps[0] }, Sgd(ps)));
        Assert.Null(GradientBuffer.TryAttach(new[] { ps[0], ps[0] }, Sgd(ps)));

        using GradientBuffer first = GradientBuffer.Attach(ps, Sgd(ps));
        using GradientBuffer second = GradientBuffer.Attach(ps, Sgd(ps));
        Parameter[] reference = CloneWithGrads(ps);
        double expected = nn.utils.clip_grad_norm_(reference, 0.5);
        Assert.Equal(expected, first.ClipGradNorm(0.5), expected * 1e-6);
        AssertGradsClose(reference, ps);
        double again = nn.utils.clip_grad_norm_(reference, 0.25);
        Assert.Equal(again, second.ClipGradNorm(0.25), again * 1e-6);
        AssertGradsClose(reference, ps);
    }
}
