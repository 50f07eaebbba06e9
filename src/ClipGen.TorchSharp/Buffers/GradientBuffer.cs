using System.Runtime.CompilerServices;
using ClipGen.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace ClipGen;

/// <summary>
/// Keeps the gradients of a set of parameters in one contiguous tensor per (device, dtype), each
/// parameter's <c>.grad</c> being a view into it, so norm clipping costs two or three kernels whatever
/// the number of tensors (instead of a norm and a multiply per tensor).
/// </summary>
/// <remarks>
/// <para>
/// <c>backward()</c> accumulates into the views and <c>OptimizerHelper.zero_grad()</c> zeroes them in
/// place, so the aliasing survives an ordinary training loop. Anything that replaces a grad breaks it:
/// <c>Module.zero_grad()</c> (sets grads to null), <c>backward(create_graph: true)</c>, assigning
/// <c>p.grad</c>, resizing a parameter. Before every clip the buffer checks each parameter's grad
/// identity (one native call per parameter, no kernel) and then
/// </para>
/// <list type="bullet">
/// <item>null grad: the parameter's region is zeroed once and it is left out (it adds 0 to any
/// p-norm with p &gt; 0); null grads are never created;</item>
/// <item>another plain grad (no autograd history, same size, dtype and device): its values are copied
/// into the region and the view is put back (re-attached);</item>
/// <item>anything else (a grad with history, a resized parameter), or a norm type outside (0, ∞]: the
/// call clips the parameters' actual grads one tensor at a time. Stale memory is never clipped.</item>
/// </list>
/// <para>
/// Never attach a buffer to parameters driven by <c>LBFGS</c>: its <c>zero_grad()</c> aborts the
/// process when grads are views; <see cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/> refuses it.
/// </para>
/// <para>
/// Numbers: <c>‖concat(g₁…gₙ)‖ₚ = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> for p in (0, ∞], so the flat norm equals
/// PyTorch's norm of per-tensor norms up to float rounding (a different summation order).
/// </para>
/// </remarks>
public sealed class GradientBuffer : IDisposable
{
    private static readonly ConditionalWeakTable<Tensor, GradientBuffer> s_owners = new();

    private readonly Tensor[] _parameters;
    private readonly GradientBufferSegment[] _segments;
    private bool _disposed;

    private GradientBuffer(Tensor[] parameters, GradientBufferSegment[] segments)
    {
        _parameters = parameters;
        _segments = segments;
    }

    /// <summary>The parameters, in the order given to <c>Attach</c>.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>Total number of gradient elements held.</summary>
    public long ElementCount => _segments.Sum(s => s.Flat.numel());

    /// <summary>Number of contiguous tensors (one per device and dtype).</summary>
    public int SegmentCount => _segments.Length;

    /// <summary>How many grads were copied back into the buffer after being replaced.</summary>
    public long ReattachCount { get; private set; }

    /// <summary>How many clip calls could not use the flat tensors and clipped tensor by tensor.</summary>
    public long FallbackCount { get; private set; }

    /// <summary>
    /// Creates the buffer and makes every parameter's grad a view into it (current grad values are kept;
    /// null grads stay null until <c>backward()</c> creates them, then are adopted at the next clip).
    /// </summary>
    /// <param name="parameters">The parameters (typically <c>model.parameters()</c>); each at most once.</param>
    /// <param name="optimizer">The optimizer that will step them; <c>LBFGS</c> is refused.</param>
    /// <exception cref="NotSupportedException"><paramref name="optimizer"/> is <c>LBFGS</c>.</exception>
    /// <exception cref="ArgumentException">A parameter is repeated or already in another live buffer.</exception>
    public static GradientBuffer Attach(IEnumerable<Tensor> parameters, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is TorchSharp.Modules.LBFGS)
        {
            throw new NotSupportedException(
                "A GradientBuffer cannot be used with LBFGS: LBFGS.zero_grad() aborts the process when grads are views " +
                "into a shared tensor. Clip with GradClip.ClipGradNorm(parameters, ...) instead.");
        }

        Tensor[] list = parameters.ToArray();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (Tensor p in list)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(parameters));
            if (!seen.Add(p))
            {
                throw new ArgumentException("A parameter appears more than once.", nameof(parameters));
            }

            if (s_owners.TryGetValue(p, out GradientBuffer? owner) && !owner._disposed)
            {
                throw new ArgumentException("A parameter already belongs to another live GradientBuffer; dispose it first.", nameof(parameters));
            }
        }

        var groups = list
            .Select((p, i) => (Index: i, Parameter: p))
            .GroupBy(x => (x.Parameter.device_type, x.Parameter.device_index, x.Parameter.dtype))
            .Select(g => new GradientBufferSegment(g.ToList()))
            .ToArray();
        var buffer = new GradientBuffer(list, groups);
        foreach (Tensor p in list)
        {
            s_owners.AddOrUpdate(p, buffer);
        }

        return buffer;
    }

    /// <summary>Attaches a buffer to all of <paramref name="model"/>'s parameters.</summary>
    /// <inheritdoc cref="Attach(IEnumerable{Tensor}, optim.Optimizer)"/>
    public static GradientBuffer Attach(nn.Module model, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Attach(model.parameters(), optimizer);
    }

    /// <summary>
    /// Clips like PyTorch's <c>clip_grad_norm_</c>: <c>total = ‖(‖g₁‖ₚ, …, ‖gₙ‖ₚ)‖ₚ</c> over non-null grads,
    /// <c>coef = min(maxNorm / (total + 1e-6), 1)</c>, every grad multiplied by <c>coef</c> (on CPU the
    /// multiply is skipped when <c>coef == 1</c>: same result).
    /// </summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="errorIfNonFinite">Throw (leaving grads unchanged) when the total is NaN or infinite.</param>
    /// <returns>The total norm before clipping.</returns>
    public double ClipGradNorm(double maxNorm, double normType = 2.0, bool errorIfNonFinite = false) =>
        ClipGradNorm(maxNorm, normType, errorIfNonFinite ? NonFinitePolicy.Throw : NonFinitePolicy.Propagate).TotalNorm;

    /// <summary>Clips like <see cref="ClipGradNorm(double, double, bool)"/> with a non-finite policy.</summary>
    /// <param name="maxNorm">The largest allowed total norm (≥ 0).</param>
    /// <param name="normType">p of the p-norm; <see cref="double.PositiveInfinity"/> for the max norm.</param>
    /// <param name="nonFinite">What to do when the total is NaN or infinite.</param>
    public ClipResult ClipGradNorm(double maxNorm, double normType, NonFinitePolicy nonFinite) =>
        ClipGradNorm(maxNorm, normType, nonFinite, names: null);

    internal ClipResult ClipGradNorm(double maxNorm, double normType, NonFinitePolicy nonFinite, IReadOnlyList<string>? names)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Check.MaxNorm(maxNorm);
        Check.NormType(normType);
        Check.Policy(nonFinite);
        if (!Prepare())
        {
            // Some grad cannot live in the buffer now: clip the parameters' actual grads, tensor by tensor.
            FallbackCount++;
            using DisposeScope scope = NewDisposeScope();
            using IDisposable noGrad = no_grad();
            return NormClip.Apply(GradSet.Collect(_parameters, names), maxNorm, normType, nonFinite);
        }

        using Tensor total = FlatTotal(normType);
        return ClipFlat(total, maxNorm, normType, nonFinite, names);
    }

    /// <summary>
    /// Checks every parameter's grad and re-attaches what can be, without clipping.
    /// </summary>
    /// <returns>Whether the next clip can use the flat tensors.</returns>
    public bool Verify()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Prepare();
    }

    /// <summary>
    /// Whether <paramref name="parameters"/> are exactly this buffer's parameters, in order.
    /// Reference comparison only: O(n), no native call.
    /// </summary>
    internal bool Covers(IReadOnlyList<Tensor> parameters)
    {
        if (_disposed || parameters.Count != _parameters.Length)
        {
            return false;
        }

        for (int i = 0; i < _parameters.Length; i++)
        {
            if (!ReferenceEquals(parameters[i], _parameters[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The live buffer whose parameters are exactly <paramref name="parameters"/>, if any.</summary>
    internal static GradientBuffer? FindCovering(IReadOnlyList<Tensor> parameters)
    {
        if (parameters.Count == 0 || !s_owners.TryGetValue(parameters[0], out GradientBuffer? buffer))
        {
            return null;
        }

        return buffer.Covers(parameters) ? buffer : null;
    }

    /// <summary>
    /// Releases the flat tensors' wrappers. The grads stay valid views (their memory is kept alive by
    /// the parameters); they simply stop being checked.
    /// </summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (GradientBufferSegment segment in _segments)
        {
            segment.Dispose();
        }

        foreach (Tensor p in _parameters)
        {
            if (s_owners.TryGetValue(p, out GradientBuffer? owner) && ReferenceEquals(owner, this))
            {
                s_owners.Remove(p);
            }
        }
    }

    private bool Prepare()
    {
        bool flat = true;
        foreach (GradientBufferSegment segment in _segments)
        {
            foreach (GradientBufferSlot slot in segment.Slots)
            {
                if (LibTorchSharpProbe.Numel(slot.Parameter) != slot.Count)
                {
                    flat = false;
                    continue;
                }

                IntPtr impl = LibTorchSharpProbe.GradImpl(slot.Parameter);
                if (impl == slot.ViewImpl)
                {
                    slot.Vacant = false;
                }
                else if (impl == IntPtr.Zero)
                {
                    if (!slot.Vacant)
                    {
                        slot.View.zero_();
                        slot.Vacant = true;
                    }
                }
                else if (GradientBufferSegment.CanAdopt(slot))
                {
                    GradientBufferSegment.Adopt(slot);
                    slot.Vacant = false;
                    ReattachCount++;
                }
                else
                {
                    flat = false;
                }
            }
        }

        return flat;
    }

    private Tensor FlatTotal(double normType)
    {
        if (_segments.Length == 1)
        {
            return linalg.vector_norm(_segments[0].Flat, normType);
        }

        Device first = _segments[0].Flat.device;
        var norms = new List<Tensor>(_segments.Length * 2);
        try
        {
            var onFirst = new List<Tensor>(_segments.Length);
            foreach (GradientBufferSegment segment in _segments)
            {
                Tensor n = linalg.vector_norm(segment.Flat, normType);
                norms.Add(n);
                Tensor moved = n.to(first);
                if (!ReferenceEquals(moved, n))
                {
                    norms.Add(moved);
                }

                onFirst.Add(moved);
            }

            using Tensor stacked = stack(onFirst);
            return linalg.vector_norm(stacked, normType);
        }
        finally
        {
            Dispose(norms);
        }
    }

    private ClipResult ClipFlat(Tensor total, double maxNorm, double normType, NonFinitePolicy nonFinite, IReadOnlyList<string>? names)
    {
        // On CPU reading the total costs nothing (no device to wait for), and knowing it lets the
        // multiply be skipped when coef == 1 (x · 1 = x exactly). Elsewhere the coefficient stays on the
        // device and the multiply is always queued, as PyTorch does; the total is read only after it.
        bool onCpu = _segments.All(s => s.Flat.device_type == DeviceType.CPU);
        double t = double.NaN;
        if (onCpu || nonFinite != NonFinitePolicy.Propagate)
        {
            t = HostValue.Read(total);
            if (!double.IsFinite(t) && nonFinite != NonFinitePolicy.Propagate)
            {
                if (nonFinite == NonFinitePolicy.Throw)
                {
                    using DisposeScope scope = NewDisposeScope();
                    throw NonFinite.Exception(GradSet.Collect(_parameters, names), t, normType);
                }

                return new ClipResult(t, 1.0, Clipped: false, NonFinite: true, SkipStep: true);
            }
        }

        using (no_grad())
        {
            if (onCpu)
            {
                // The runtime's host mirror of the tensor formula: the same double operations, so the same value.
                double coef = GradNorm.Coefficient(t, maxNorm);
                if (coef >= 1.0)
                {
                    return new ClipResult(t, 1.0, Clipped: false, NonFinite: false, SkipStep: false);
                }

                using Scalar c = coef.ToScalar();
                foreach (GradientBufferSegment segment in _segments)
                {
                    segment.Flat.mul_(c);
                }

                return new ClipResult(t, coef, Clipped: true, NonFinite: !double.IsFinite(t), SkipStep: false);
            }

            using (DisposeScope scope = NewDisposeScope())
            {
                Tensor coefficient = GradNorm.Coefficient(total, maxNorm);
                GradNorm.ScaleInPlace(_segments.Select(s => s.Flat).ToList(), coefficient);
            }

            // ClipResult holds numbers: reading the total is this path's one host sync, after the work is queued.
            t = HostValue.Read(total);
            double reported = GradNorm.Coefficient(t, maxNorm);
            return new ClipResult(t, reported, Clipped: !(reported >= 1.0), NonFinite: !double.IsFinite(t), SkipStep: false);
        }
    }

    private static void Dispose(List<Tensor>? tensors)
    {
        if (tensors is null)
        {
            return;
        }

        foreach (Tensor t in tensors)
        {
            t.Dispose();
        }
    }
}
