using System.Runtime.InteropServices;
using ClipGen.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Keeps the gradients of a set of parameters in one contiguous tensor per (device, dtype), each parameter's
/// <c>.grad</c> being a view into it, so norm clipping costs a few kernels whatever the number of tensors (instead of
/// a norm and a multiply per tensor). Used only through its own object: <see cref="GradClip"/> never looks buffers up.
/// </summary>
/// <remarks>
/// <para>
/// <c>backward()</c> accumulates into the views and <c>OptimizerHelper.zero_grad()</c> zeroes them in place, so the
/// aliasing survives an ordinary training loop. Anything that replaces a grad breaks it: <c>Module.zero_grad()</c>
/// (sets grads to null), <c>backward(create_graph: true)</c>, assigning <c>p.grad</c>, resizing a parameter. Before
/// every clip the buffer checks each parameter's grad identity and then
/// </para>
/// <list type="bullet">
/// <item>null grad: the parameter's region is zeroed once and it is left out (it adds 0 to any p-norm with
/// p &gt; 0); null grads are never created;</item>
/// <item>another plain grad (no autograd history, dense, the parameter's shape, dtype and device): its values are
/// copied into the region and the view is put back (re-attached);</item>
/// <item>anything else (a grad with history, a sparse grad, a resized parameter, a grad of another shape): the call
/// clips the parameters' actual grads on the plain path (which rejects a grad of another shape with an
/// <see cref="ArgumentException"/> naming the parameter). Stale memory is never clipped.</item>
/// </list>
/// <para>
/// Numbers: <c>‖concat(g₁…gₙ)‖ₚ = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> for p in (0, ∞]. The flat norm is taken per row of 1,024
/// elements and the rows combined in float64, so it is as accurate as the plain path at any size (one libtorch
/// reduction over 10⁸ float32 drifts by 1e-2 relative).
/// </para>
/// <para>
/// The buffer owns its tensors whatever <c>DisposeScope</c> it is created in. <see cref="Dispose"/> gives every grad
/// that is still a view an ordinary tensor with the same values, so any optimizer (LBFGS included) works afterwards.
/// <c>LBFGS</c> itself is refused while attached: its <c>zero_grad()</c> aborts the process on view grads.
/// </para>
/// </remarks>
public sealed class GradientBuffer : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly IReadOnlyList<string>? _names;
    private readonly GradientBufferSegment[] _segments;
    private bool _disposed;

    private GradientBuffer(Tensor[] parameters, IReadOnlyList<string>? names, GradientBufferSegment[] segments)
    {
        _parameters = parameters;
        _names = names;
        _segments = segments;
        CombineOnHost = segments.All(s => s.Flat.device_type == DeviceType.CPU);
    }

    /// <summary>The parameters, in the order given to <c>Attach</c>.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Total number of gradient elements held.</summary>
    public long ElementCount => _segments.Sum(s => s.ElementCount);

    /// <summary>Number of contiguous tensors (one per device and dtype).</summary>
    public int SegmentCount => _segments.Length;

    /// <summary>
    /// Whether the total and the coefficient are computed on the host (all segments on the CPU, where a read costs no
    /// sync) rather than on the device. Tests turn it off on the CPU to run the accelerator path.
    /// </summary>
    internal bool CombineOnHost { get; set; }

    /// <summary>How many grads were copied back into the buffer after being replaced.</summary>
    public long ReattachCount { get; private set; }

    /// <summary>How many clip calls could not use the flat tensors and clipped on the plain path.</summary>
    public long FallbackCount { get; private set; }

    /// <summary>
    /// Creates the buffer and makes every parameter's grad a view into it (current grad values are kept; null grads
    /// stay null until <c>backward()</c> creates them, then are adopted at the next clip).
    /// </summary>
    /// <param name="parameters">The parameters (typically <c>model.parameters()</c>); each at most once.</param>
    /// <param name="optimizer">The optimizer that will step them; <c>LBFGS</c> is refused.</param>
    /// <exception cref="NotSupportedException"><paramref name="optimizer"/> is <c>LBFGS</c>, or a parameter or its grad is sparse.</exception>
    /// <exception cref="ArgumentException">A parameter is null or repeated, or a grad's shape differs from its parameter's.</exception>
    public static GradientBuffer Attach(IEnumerable<Tensor> parameters, optim.Optimizer optimizer) =>
        Attach(parameters, names: null, optimizer);

    /// <summary>Attaches a buffer to all of <paramref name="model"/>'s parameters (errors name them).</summary>
    /// <inheritdoc cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/>
    public static GradientBuffer Attach(nn.Module model, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        var named = model.named_parameters().ToList();
        return Attach(named.Select(n => (Tensor)n.parameter), named.Select(n => n.name).ToList(), optimizer);
    }

    /// <summary>
    /// <see cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/>, or null (nothing changed) where the buffer refuses:
    /// an <c>LBFGS</c> optimizer, a null or repeated parameter, a sparse parameter or grad, a grad of another shape
    /// than its parameter. Callers that get null clip with
    /// <see cref="GradClip.ClipGradNorm(IEnumerable{Tensor}, double, double, NonFinitePolicy)"/> (the plain path).
    /// </summary>
    /// <param name="parameters">The parameters (typically <c>model.parameters()</c>).</param>
    /// <param name="optimizer">The optimizer that will step them.</param>
    /// <returns>The attached buffer, or null.</returns>
    public static GradientBuffer? TryAttach(IEnumerable<Tensor> parameters, optim.Optimizer optimizer)
    {
        if (parameters is null || optimizer is null) return null;
        Tensor[] list = parameters.ToArray();
        return Refusal(list, null, optimizer) is null ? Create(list, null) : null;
    }

    /// <summary>
    /// Clips like PyTorch's <c>clip_grad_norm_</c>: <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null grads,
    /// <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, every grad multiplied by <c>coef</c> (on CPU the multiply is
    /// skipped when <c>coef == 1</c>: same result).
    /// </summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="errorIfNonFinite">Throw (leaving grads unchanged) when the total is NaN or infinite.</param>
    /// <returns>The total norm before clipping.</returns>
    public double ClipGradNorm(double maxNorm, double normType = 2.0, bool errorIfNonFinite = false) =>
        ClipGradNorm(maxNorm, normType, errorIfNonFinite ? NonFinitePolicy.Throw : NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>
    /// <see cref="ClipGradNorm(double, double, bool)"/> with a non-finite policy:
    /// <c>g ← g · min(maxNorm / (total + 1e-6), 1)</c> unless the total is not finite and the policy stops it.
    /// </summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="nonFinite">What to do when the total is NaN or infinite.</param>
    /// <returns>The pre-clip total, the coefficient, whether anything was clipped, whether to skip the step.</returns>
    public ClipResult ClipGradNorm(double maxNorm, double normType, NonFinitePolicy nonFinite)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        Check.Policy(nonFinite);
        if (!Prepare())
        {
            FallbackCount++;
            return GradClip.ClipGradNorm(_parameters, maxNorm, normType, nonFinite, _names);
        }

        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        double t;
        if (CombineOnHost)
        {
            t = HostTotal(normType); // on the CPU: no device sync to read it
        }
        else
        {
            Tensor total = FlatTotal(normType);
            if (nonFinite == NonFinitePolicy.Propagate)
            {
                // Queue the multiply with the coefficient on the device, then read the total (this path's one sync).
                ScaleFlat(GradNorm.Coefficient(total, maxNorm));
                double read = HostValue.Read(total);
                return ClipResult.Scaled(read, GradNorm.Coefficient(read, maxNorm));
            }

            t = HostValue.Read(total);
        }

        if (ClipPolicy.Stops(t, nonFinite, (Buffer: this, P: normType), static (s, value) => s.Buffer.NonFiniteError(value, s.P), out ClipResult stopped)) return stopped;
        double coef = GradNorm.Coefficient(t, maxNorm);
        if (CombineOnHost) ScaleUnlessOne(coef);
        else ScaleFlat(coef);
        return ClipResult.Scaled(t, coef);
    }

    /// <summary>
    /// <see cref="ClipGradNorm(double, double, bool)"/> without a host read (PyTorch's <c>clip_grad_norm_</c> with
    /// <see cref="NonFinitePolicy.Propagate"/>): on accelerators <c>coef = min(maxNorm / (total + 1e-6), 1)</c> is
    /// computed on the device and every grad multiplied by it (even by 1); on the CPU, where a read is free, it is
    /// computed on the host and a multiply by 1 is skipped. Same numbers as the <c>double</c> overload.
    /// </summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <returns>The pre-clip total norm, a 0-dim float64 tensor on the first segment's device, in the caller's DisposeScope.</returns>
    public Tensor ClipGradNormToTensor(double maxNorm, double normType = 2.0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        if (!Prepare())
        {
            FallbackCount++;
            return GradClip.ClipGradNormToTensor(_parameters, maxNorm, normType);
        }

        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        if (CombineOnHost)
        {
            double t = HostTotal(normType);
            ScaleUnlessOne(GradNorm.Coefficient(t, maxNorm));
            return tensor(t, ScalarType.Float64).MoveToOuterDisposeScope();
        }

        Tensor total = FlatTotal(normType);
        ScaleFlat(GradNorm.Coefficient(total, maxNorm));
        return total.MoveToOuterDisposeScope();
    }

    /// <summary>Checks every parameter's grad and re-attaches what can be, without clipping.</summary>
    /// <returns>Whether the next clip can use the flat tensors.</returns>
    public bool Verify()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Prepare();
    }

    /// <summary>
    /// Gives every grad that is still a view into the buffer an ordinary tensor with the same values (null grads stay
    /// null), then frees the flat tensors. Afterwards the parameters behave as if no buffer had ever been attached.
    /// </summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using DisposeScope scope = NewDisposeScope();
        using IDisposable noGrad = no_grad();
        foreach (GradientBufferSegment segment in _segments) segment.Dispose();
    }

    private static GradientBuffer Attach(IEnumerable<Tensor> parameters, IReadOnlyList<string>? names, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        Tensor[] list = parameters.ToArray();
        Exception? refusal = Refusal(list, names, optimizer);
        if (refusal is not null) throw refusal;
        return Create(list, names);
    }

    /// <summary>Why the buffer cannot hold these parameters (the exception Attach throws), or null.</summary>
    private static Exception? Refusal(Tensor[] list, IReadOnlyList<string>? names, optim.Optimizer optimizer)
    {
        if (optimizer is TorchSharp.Modules.LBFGS)
        {
            return new NotSupportedException(
                "A GradientBuffer cannot be used with LBFGS: LBFGS.zero_grad() aborts the process when grads are views " +
                "into a shared tensor. Clip with GradClip.ClipGradNorm(parameters, ...) instead.");
        }

        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        using DisposeScope scope = NewDisposeScope();
        for (int i = 0; i < list.Length; i++)
        {
            Tensor p = list[i];
            string name = names is not null && i < names.Count ? $"parameters[{i}] '{names[i]}'" : $"parameters[{i}]";
            if (p is null) return new ArgumentException($"{name} is null; every element must be a tensor.", "parameters");
            if (!seen.Add(p)) return new ArgumentException($"{name} appears more than once.", "parameters");
            if (p.is_sparse) return new NotSupportedException($"{name} is sparse; a GradientBuffer holds dense gradients only.");
            Tensor? g = p.grad;
            if (g is null) continue;
            if (g.is_sparse) return new NotSupportedException($"{name} has a sparse gradient (e.g. Embedding(sparse: true)); clip it with GradClip.ClipGradNorm.");
            if (!NativeProbes.SameShape(g, p))
            {
                return new ArgumentException(
                    $"The gradient of {name} has shape {GradSet.Shape(g.shape)}, which differs from its parameter's shape {GradSet.Shape(p.shape)}.",
                    "parameters");
            }
        }

        return null;
    }

    private static GradientBuffer Create(Tensor[] list, IReadOnlyList<string>? names)
    {
        using DisposeScope scope = NewDisposeScope();
        var segments = list
            .Select((p, i) => (Index: i, Parameter: p))
            .GroupBy(x => (x.Parameter.device_type, x.Parameter.device_index, x.Parameter.dtype))
            .Select(g => new GradientBufferSegment(g.ToList()))
            .ToArray();
        return new GradientBuffer(list, names, segments);
    }

    /// <summary>The exception naming the non-finite grads (failure path only).</summary>
    private NonFiniteGradientException NonFiniteError(double total, double normType)
    {
        using DisposeScope scope = NewDisposeScope();
        return NonFinite.Exception(GradSet.Collect(_parameters, _names), total, normType);
    }

    /// <summary>Brings every slot up to date; false when some grad cannot live in the buffer now.</summary>
    private bool Prepare()
    {
        bool flat = true;
        foreach (GradientBufferSegment segment in _segments)
        {
            foreach (GradientBufferSlot slot in segment.Slots)
            {
                if (!NativeProbes.HasShape(slot.Parameter, slot.Shape))
                {
                    flat = false; // resized or reshaped parameter
                    continue;
                }

                switch (slot.State())
                {
                    case GradState.Ours:
                        slot.Vacant = false;
                        break;
                    case GradState.Null:
                        if (!slot.Vacant)
                        {
                            using (no_grad()) slot.View.zero_();
                            slot.Vacant = true;
                        }

                        break;
                    default:
                        if (GradientBufferSegment.CanAdopt(slot))
                        {
                            GradientBufferSegment.Adopt(slot);
                            slot.Vacant = false;
                            ReattachCount++;
                        }
                        else
                        {
                            flat = false;
                        }

                        break;
                }
            }
        }

        return flat;
    }

    /// <summary>
    /// CPU only: ‖flat‖ₚ per segment as rows of 1,024 (libtorch, in the grads' dtype), the row norms and then the
    /// segments combined in float64 on the host, where reading them costs no sync.
    /// </summary>
    private double HostTotal(double normType)
    {
        if (_segments.Length == 1) return HostSegmentNorm(_segments[0], normType);
        Span<double> totals = _segments.Length <= 16 ? stackalloc double[_segments.Length] : new double[_segments.Length];
        for (int i = 0; i < totals.Length; i++) totals[i] = HostSegmentNorm(_segments[i], normType);
        return HostNorm.Of<double>(totals, normType);
    }

    private static double HostSegmentNorm(GradientBufferSegment segment, double normType)
    {
        Tensor rowNorms = RowNorms(segment, normType);
        return rowNorms.dtype == ScalarType.Float64
            ? HostNorm.Of(MemoryMarshal.Cast<byte, double>(rowNorms.bytes), normType)
            : HostNorm.Of(MemoryMarshal.Cast<byte, float>(rowNorms.bytes), normType);
    }

    /// <summary>
    /// CPU only: <c>g ← g · coef</c>, skipped when <c>coef</c> is 1 (<c>x · 1 = x</c> exactly, NaN and ∞ included,
    /// so the numbers are those of an unconditional multiply; on an accelerator skipping would need a sync).
    /// </summary>
    private void ScaleUnlessOne(double coef)
    {
        if (!(coef >= 1.0)) ScaleFlat(coef);
    }

    /// <summary>‖flat‖ₚ per segment, as rows of 1,024 combined in float64; segments combined on the first one's device.</summary>
    private Tensor FlatTotal(double normType)
    {
        if (_segments.Length == 1) return SegmentNorm(_segments[0], normType);
        Tensor first = _segments[0].Flat;
        var norms = new Tensor[_segments.Length];
        for (int i = 0; i < norms.Length; i++)
        {
            Tensor n = SegmentNorm(_segments[i], normType);
            norms[i] = GradNorm.SameDevice(n, first) ? n : n.to(first.device);
        }

        return linalg.vector_norm(stack(norms), normType);
    }

    private static Tensor SegmentNorm(GradientBufferSegment segment, double normType)
    {
        Tensor rowNorms = RowNorms(segment, normType);
        return linalg.vector_norm(rowNorms.dtype == ScalarType.Float64 ? rowNorms : rowNorms.to_type(ScalarType.Float64), normType);
    }

    /// <summary>The p-norm of each row of 1,024 elements: float16/bfloat16 on a float64 copy, as the plain path does.</summary>
    private static Tensor RowNorms(GradientBufferSegment segment, double normType)
    {
        Tensor rows = GradNorm.IsReducedPrecision(segment.Rows.dtype) ? segment.Rows.to_type(ScalarType.Float64) : segment.Rows;
        return linalg.vector_norm(rows, normType, new long[] { 1 });
    }

    private void ScaleFlat(double coef)
    {
        using Scalar c = coef.ToScalar();
        foreach (GradientBufferSegment segment in _segments)
        {
            // float16/bfloat16: a float32 coefficient, as GradNorm does (a Scalar would be rounded to the grads' dtype).
            if (GradNorm.IsReducedPrecision(segment.Data.dtype)) segment.Data.mul_(tensor(coef, ScalarType.Float32, segment.Data.device));
            else segment.Data.mul_(c);
        }
    }

    private void ScaleFlat(Tensor coef)
    {
        foreach (GradientBufferSegment segment in _segments)
        {
            Tensor c = GradNorm.SameDevice(coef, segment.Data) ? coef : coef.to(segment.Data.device);
            segment.Data.mul_(c.to_type(GradNorm.CoefficientType(segment.Data.dtype)));
        }
    }
}
