using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Buffers;

/// <summary>Parameters with known grads, and the same grads cloned for TorchSharp's reference clip.</summary>
internal static class GradientBufferFixtures
{
    public static Parameter[] Parameters(params long[][] shapes)
    {
        var ps = new Parameter[shapes.Length];
        for (int i = 0; i < shapes.Length; i++)
        {
            ps[i] = new Parameter(zeros(shapes[i]));
        }

        return ps;
    }

    public static void SetGrads(Parameter[] ps, int seed, double scale = 1.0)
    {
        random.manual_seed(seed);
        foreach (Parameter p in ps)
        {
            using Tensor g = randn(p.shape).mul_(scale);
            using Tensor? current = p.grad;
            if (current is null)
            {
                p.grad = g.clone();
            }
            else
            {
                current.copy_(g);
            }
        }
    }

    /// <summary>Fresh parameters holding copies of <paramref name="ps"/>' grads (null stays null).</summary>
    public static Parameter[] CloneWithGrads(Parameter[] ps)
    {
        var clones = new Parameter[ps.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            clones[i] = new Parameter(zeros(ps[i].shape));
            using Tensor? g = ps[i].grad;
            if (g is not null)
            {
                clones[i].grad = g.detach().clone();
            }
        }

        return clones;
    }

    public static void AssertGradsClose(Parameter[] expected, Parameter[] actual, double rtol = 1e-5, double atol = 1e-7)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            using Tensor? e = expected[i].grad;
            using Tensor? a = actual[i].grad;
            Assert.Equal(e is null, a is null);
            if (e is not null)
            {
                Assert.True(e.allclose(a!, rtol, atol, equal_nan: true), $"grad {i} differs");
            }
        }
    }

    public static optim.Optimizer Sgd(IEnumerable<Parameter> ps) => optim.SGD(ps, 0.1);
}
