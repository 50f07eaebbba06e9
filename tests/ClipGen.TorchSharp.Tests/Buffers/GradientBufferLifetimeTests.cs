using TorchSharp;
using TorchSharp.Modules;
using static ClipGen.TorchSharp.Tests.Buffers.GradientBufferFixtures;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>
/// The buffer owns its tensors whatever DisposeScope it is created in, Dispose turns the grads back into ordinary
/// tensors (so LBFGS works afterwards), TryAttach returns null where Attach refuses, and the shape check holds.
/// </summary>
public class GradientBufferLifetimeTests
{
    [Fact]
    public void A_buffer_attached_inside_a_scope_keeps_working_after_the_scope()
    {
        Parameter[] ps = Parameters([4, 3], [3]);
        GradientBuffer buffer;
        using (NewDisposeScope())
        {
            SetGrads(ps, seed: 51);
            buffer = GradientBuffer.Attach(ps, Sgd(ps)); // e.g. lazily, inside the first train step's scope
            buffer.ClipGradNorm(1.0);
        }

        using (buffer)
        using (NewDisposeScope())
        {
            SetGrads(ps, seed: 52);
            Parameter[] reference = CloneWithGrads(ps);
            double expected = nn.utils.clip_grad_norm_(reference, 0.5);
            Assert.Equal(expected, buffer.ClipGradNorm(0.5), expected * 1e-6);
            AssertGradsClose(reference, ps);
            Assert.Equal(0, buffer.FallbackCount);
        }
    }

    [Fact]
    public void Dispose_gives_every_grad_its_own_storage_with_the_same_values_and_LBFGS_works_afterwards()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(53);
        var model = nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 1));
        GradientBuffer buffer = GradientBuffer.Attach(model, optim.SGD(model.parameters(), 0.1));
        model.call(randn(6, 5)).sum().backward();
        buffer.ClipGradNorm(0.1); // adopt: every grad is now a view of one flat tensor
        Assert.All(model.parameters(), p => Assert.True(StorageElements(p.grad!) > p.numel()));
        float[][] before = model.parameters().Select(p => p.grad!.data<float>().ToArray()).ToArray();

        buffer.Dispose();

        Parameter[] after = model.parameters().ToArray();
        for (int i = 0; i < after.Length; i++)
        {
            using Tensor g = after[i].grad!;
            Assert.Equal(g.numel(), StorageElements(g)); // its own storage: not a view any more
            Assert.Equal(before[i], g.data<float>().ToArray());
        }

        // Guarded by the storage check above: with view grads this aborts the process ("Can't detach views in-place").
        var lbfgs = optim.LBFGS(model.parameters());
        lbfgs.zero_grad();
        Tensor loss = lbfgs.step(() =>
        {
            lbfgs.zero_grad();
            Tensor l = model.call(randn(6, 5)).pow(2).sum();
            l.backward();
            return l;
        });
        Assert.True(double.IsFinite(loss.item<float>()));
    }

    [Fact]
    public void TryAttach_returns_null_where_Attach_refuses_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        var model = nn.Linear(3, 2);
        var lbfgs = optim.LBFGS(model.parameters());
        Assert.Null(GradientBuffer.TryAttach(model.parameters(), lbfgs));
        Assert.All(model.parameters(), p => Assert.Null(p.grad));

        var bad = new Parameter(zeros(2, 3));
        bad.grad = ones(3, 2);
        Assert.Null(GradientBuffer.TryAttach(new[] { bad }, Sgd(new[] { bad })));
        var ex = Assert.Throws<ArgumentException>(() => GradientBuffer.Attach(new[] { bad }, Sgd(new[] { bad })));
        Assert.Contains("parameters[0]", ex.Message);
        Assert.Null(GradientBuffer.TryAttach(new Tensor[] { null! }, Sgd(new[] { bad })));

        using GradientBuffer? ok = GradientBuffer.TryAttach(model.parameters(), optim.SGD(model.parameters(), 0.1));
        Assert.NotNull(ok);
    }

    [Fact]
    public void A_grad_of_the_same_size_but_another_shape_gets_an_ArgumentException_naming_the_parameter()
    {
        using var scope = NewDisposeScope();
        var model = nn.Sequential(("fc", nn.Linear(3, 2)));
        using GradientBuffer buffer = GradientBuffer.Attach(model, optim.SGD(model.parameters(), 0.1));
        Parameter weight = model.parameters().First(); // [2, 3]
        weight.grad = ones(3, 2);
        var ex = Assert.Throws<ArgumentException>(() => buffer.ClipGradNorm(1.0));
        Assert.Contains("fc.weight", ex.Message);
        Assert.Contains("[3, 2]", ex.Message);
        Assert.Contains("[2, 3]", ex.Message);

        weight.grad = ones(6); // broadcast-free but also another shape
        Assert.Throws<ArgumentException>(() => buffer.ClipGradNormToTensor(1.0));
    }

    private static long StorageElements(Tensor t)
    {
        using var storage = t.storage<float>();
        return storage.Count;
    }
}
