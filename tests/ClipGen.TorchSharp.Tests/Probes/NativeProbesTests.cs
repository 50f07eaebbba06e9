using ClipGen.Internal;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ClipGen.TorchSharp.Tests.Probes;

/// <summary>
/// The native probes' guard: on for the verified TorchSharp after the self-test, off by the AppContext switch, and
/// every clipping path gives bit-identical numbers both ways.
/// </summary>
[Collection(ProbeSwitchCollection.Name)]
[NotInProbesOffRun("flips the switch itself")]
public class NativeProbesTests
{
    [Fact]
    public void On_for_the_verified_TorchSharp_after_the_self_test_and_off_by_the_switch()
    {
        NativeProbes.Reset();
        Assert.True(NativeProbes.Enabled, NativeProbes.DisabledReason);
        Assert.Null(NativeProbes.DisabledReason);
        using (ProbeSwitch.Off())
        {
            Assert.False(NativeProbes.Enabled);
            Assert.Contains(NativeProbes.DisableSwitch, NativeProbes.DisabledReason);
        }

        Assert.True(NativeProbes.Enabled);
    }

    [Fact]
    public void Probes_agree_with_the_managed_API()
    {
        using var scope = NewDisposeScope();
        Tensor[] ts = { zeros(2, 3), zeros(4, dtype: ScalarType.Float16), tensor(1.5), zeros(0), zeros(3, 1, 2, dtype: ScalarType.Float64) };
        foreach (Tensor t in ts)
        {
            Assert.Equal(t.numel(), NativeProbes.Numel(t));
            Assert.Equal(t.dim(), NativeProbes.Rank(t));
            Assert.Equal((t.dtype, (int)t.device_type, t.device_index), NativeProbes.Kind(t));
            Assert.False(NativeProbes.IsSparse(t));
            Assert.True(NativeProbes.SameShape(t, t.clone()));
        }

        Assert.False(NativeProbes.SameShape(ts[0], zeros(3, 2)));
        Assert.True(NativeProbes.IsSparse(sparse_coo_tensor(zeros(new long[] { 1, 1 }, ScalarType.Int64), ones(1), new long[] { 4 })));
    }

    [Fact]
    public void Every_path_gives_the_same_bits_with_probes_on_and_off()
    {
        byte[][] on = Run();
        byte[][] off;
        using (ProbeSwitch.Off()) off = Run();
        Assert.Equal(on.Length, off.Length);
        for (int i = 0; i < on.Length; i++) Assert.Equal(on[i], off[i]);
    }

    /// <summary>Plain, per-tensor, value, adaptive, split and buffer clipping (with a replaced and a nulled grad) on fixed grads.</summary>
    private static byte[][] Run()
    {
        using var scope = NewDisposeScope();
        var results = new List<byte[]>();
        Parameter[] Fresh(int seed)
        {
            random.manual_seed(seed);
            var ps = new[] { new Parameter(zeros(40, 30)), new Parameter(zeros(30)), new Parameter(zeros(7, dtype: ScalarType.Float64)), new Parameter(zeros(5, dtype: ScalarType.Float16)) };
            foreach (Parameter p in ps) p.grad = randn(p.shape).mul_(3).to_type(p.dtype);
            return ps;
        }

        void Record(Parameter[] ps, double value)
        {
            results.Add(BitConverter.GetBytes(value));
            foreach (Parameter p in ps) results.Add(p.grad is null ? Array.Empty<byte>() : p.grad.contiguous().bytes.ToArray());
        }

        Parameter[] a = Fresh(1);
        Record(a, GradClip.ClipGradNorm(a, 1.0));
        a = Fresh(2);
        Record(a, GradClip.ClipGradNormToTensor(a, 0.5, 3.0).item<double>());
        a = Fresh(3);
        Record(a, GradClip.ClipGradNormPerTensor(a, 1.0, 2.0, NonFinitePolicy.Propagate).TotalNorm);
        a = Fresh(4);
        Record(a, GradClip.ClipGradValue(a, 0.5, NonFinitePolicy.Propagate).TotalNorm);
        a = Fresh(5);
        Record(a, GradClip.AdaptiveClipGrad(a, 0.01, 1e-3, NonFinitePolicy.Propagate).TotalNorm);
        a = Fresh(6);
        Tensor t = GradClip.GetTotalNorm(a.Select(p => p.grad!));
        GradClip.ClipGradsWithNorm(a, 0.3, t);
        Record(a, t.item<double>());

        a = Fresh(7);
        using (GradientBuffer buffer = GradientBuffer.Attach(a, optim.SGD(a, 0.1)))
        {
            Record(a, buffer.ClipGradNorm(1.0));
            a[0].grad = ones(40, 30);
            a[1].grad = null;
            Record(a, buffer.ClipGradNorm(2.0, double.PositiveInfinity));
            Record(a, buffer.ClipGradNormToTensor(0.1).item<double>());
            // Counters are not numbers: with the probes off a float16 grad's identity cannot be read through the
            // public API, so it is copied in again on every clip (ReattachCount grows; values are the same).
            results.Add(BitConverter.GetBytes(buffer.FallbackCount));
        }

        Record(a, 0);
        return results.ToArray();
    }
}
