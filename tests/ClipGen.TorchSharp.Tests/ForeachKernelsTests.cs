using ClipGen.Internal;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests;

/// <summary>
/// The TorchScript foreach kernels behind GradNorm: the constant script compiles (a compile error would abort the
/// process, so this test is the guard), both norm routes equal ‖(‖g₁‖ₚ, …)‖ₚ, and the multiply is bit-identical
/// to a per-tensor <c>mul_</c>.
/// </summary>
public class ForeachKernelsTests
{
    private static Tensor[] RandomGrads(int count, int size, ScalarType dtype, int seed)
    {
        var gen = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(i => randn(new long[] { size + i % 3 }, dtype, generator: gen)).ToArray();
    }

    /// <summary>‖(‖g₁‖ₚ, …)‖ₚ in float64 on the host: the formula both routes must match.</summary>
    private static double Reference(Tensor[] grads, double p)
    {
        double[] norms = grads.Select(g => linalg.vector_norm(g.to_type(ScalarType.Float64), p).item<double>()).ToArray();
        return linalg.vector_norm(tensor(norms), p).item<double>();
    }

    /// <summary>The one (device, dtype) group of <paramref name="grads"/>, which must take the foreach kernels.</summary>
    private static (long Numel, bool AnyScalar) ForeachGroup(Tensor[] grads)
    {
        GradGroup group = Assert.Single(GradGroup.Of(grads));
        Assert.True(group.UsesForeach);
        return (group.Numel, group.AnyScalar);
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(1.0)]
    [InlineData(3.5)]
    [InlineData(double.PositiveInfinity)]
    public void Chunked_and_per_tensor_routes_equal_the_norm_of_per_tensor_norms(double p)
    {
        using var scope = NewDisposeScope();
        // 700 × ~1,000 floats: chunked, with a remainder row; 2 × 1,024: chunked, no remainder; 3 × 5,000:
        // per-tensor; a 0-dim gradient among small ones: per-tensor; a transposed (non-contiguous) one: chunked.
        Tensor[] withScalar = RandomGrads(5, 10, ScalarType.Float32, 8).Append(tensor(-3.5f)).ToArray();
        Tensor[] transposed = RandomGrads(4, 12, ScalarType.Float32, 9).Append(randn(30, 40).t()).ToArray();
        foreach (Tensor[] grads in new[] { RandomGrads(700, 1000, ScalarType.Float32, 1), RandomGrads(2, 1024, ScalarType.Float32, 10).Select(g => g[..1024]).ToArray(), RandomGrads(3, 5000, ScalarType.Float32, 2), RandomGrads(40, 30, ScalarType.Float64, 3), withScalar, transposed })
        {
            (long numel, bool anyScalar) = ForeachGroup(grads);
            Assert.Equal(grads.Sum(g => g.numel()), numel);
            Tensor total = ForeachKernels.TotalNorm(grads, numel, anyScalar, p);
            Assert.Equal(ScalarType.Float64, total.dtype);
            Assert.Equal(0, total.dim());
            double expected = Reference(grads, p);
            Assert.Equal(expected, total.item<double>(), expected * 1e-6);
        }
    }

    [Fact]
    public void Per_tensor_route_is_bit_identical_to_the_managed_per_tensor_norms()
    {
        using var scope = NewDisposeScope();
        Tensor[] grads = RandomGrads(3, 5000, ScalarType.Float32, 4);
        (long numel, bool anyScalar) = ForeachGroup(grads);
        double managed = linalg.vector_norm(stack(grads.Select(g => linalg.vector_norm(g, 2.0)).ToArray()).to_type(ScalarType.Float64), 2.0).item<double>();
        Assert.Equal(managed, ForeachKernels.TotalNorm(grads, numel, anyScalar, 2.0).item<double>());
    }

    [Theory]
    [InlineData(float.NaN, double.NaN)]
    [InlineData(float.PositiveInfinity, double.PositiveInfinity)]
    public void Non_finite_entries_propagate_through_the_chunked_route(float bad, double expected)
    {
        using var scope = NewDisposeScope();
        Tensor[] grads = RandomGrads(50, 100, ScalarType.Float32, 5);
        grads[17][3] = tensor(bad);
        (long numel, bool anyScalar) = ForeachGroup(grads);
        Assert.Equal(expected, ForeachKernels.TotalNorm(grads, numel, anyScalar, 2.0).item<double>());
    }

    [Fact]
    public void Scale_is_bit_identical_to_a_per_tensor_scalar_multiply()
    {
        using var scope = NewDisposeScope();
        Tensor[] a = RandomGrads(20, 100, ScalarType.Float32, 6);
        Tensor[] b = a.Select(t => t.clone()).ToArray();
        const double coef = 0.123456789012345;
        ForeachKernels.ScaleInPlace(a, tensor(coef, ScalarType.Float64));
        foreach (Tensor t in b) t.mul_(coef);
        for (int i = 0; i < a.Length; i++) Assert.Equal(b[i].bytes.ToArray(), a[i].bytes.ToArray());

        // A float64 gradient list keeps the coefficient's full precision.
        Tensor[] c = RandomGrads(5, 10, ScalarType.Float64, 7);
        Tensor[] d = c.Select(t => t.clone()).ToArray();
        ForeachKernels.ScaleInPlace(c, tensor(coef, ScalarType.Float64));
        foreach (Tensor t in d) t.mul_(coef);
        for (int i = 0; i < c.Length; i++) Assert.Equal(d[i].bytes.ToArray(), c[i].bytes.ToArray());
    }

    [Fact]
    public void Grads_are_grouped_by_dtype_and_empty_or_half_precision_groups_keep_the_managed_path()
    {
        using var scope = NewDisposeScope();
        Assert.Empty(GradGroup.Of(Array.Empty<Tensor>()));
        // Mixed dtypes: one group each (as PyTorch's _group_tensors_by_device_and_dtype), both on the kernels.
        List<GradGroup> mixed = GradGroup.Of(new[] { ones(3), ones(3, ScalarType.Float64), ones(2) });
        Assert.Equal(2, mixed.Count);
        Assert.Equal(new[] { 2, 1 }, mixed.Select(g => g.Grads.Count).ToArray());
        Assert.All(mixed, g => Assert.True(g.UsesForeach));
        Assert.False(Assert.Single(GradGroup.Of(new[] { ones(3), zeros(0) })).UsesForeach);
        Assert.False(Assert.Single(GradGroup.Of(new[] { ones(3, ScalarType.Float16) })).UsesForeach);
    }
}
